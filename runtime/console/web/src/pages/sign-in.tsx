/** E-mail + password sign-in; the API's own message on failure (wrong password, 429 locked out). */
import { useState } from 'preact/hooks';
import type { SessionInfo } from '../../../api-types.ts';
import { Field } from '../components/field.tsx';
import { Banner, LiveStatus } from '../components/status.tsx';
import { api } from '../endpoints.ts';
import { homeOf, navigate } from '../router.ts';
import { setSession } from '../session.ts';
import { asApiError } from '../use-load.ts';

/** Pages anyone may read, where people sign in to write (vote, reply) and come back. */
const PUBLIC_PATHS = ['/catalogue', '/requests', '/discussions', '/threads', '/developers'];

/** After sign-in: back where the 401 interrupted, else the role's home. */
export function enter(info: SessionInfo, next?: string): void {
  setSession(info);
  const allowed = next && [`/${info.role}`, ...PUBLIC_PATHS].some((p) => next === p || next.startsWith(`${p}/`));
  navigate(allowed ? `#${next}` : homeOf(info.role));
}

/** "your client page", "this request"…: where sign-in will take them back to. */
function placeOf(next: string): string {
  const first = next.split('/')[1] ?? '';
  const names: Record<string, string> = {
    client: 'your usage & billing page',
    developer: 'your features page',
    finance: 'the finance page',
    catalogue: 'the catalogue',
    requests: 'the requests',
    discussions: 'the discussions',
    threads: 'the thread',
    developers: 'the developers page',
  };
  return names[first] ?? 'the page you were on';
}

export function SignInPage({ next, ended }: { next?: string; ended?: boolean }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      enter(await api.signIn({ email: email.trim(), password }), next);
    } catch (err) {
      setError(asApiError(err).message);
      setBusy(false);
    }
  };

  return (
    <section class="narrow">
      <h1 tabIndex={-1}>Sign in</h1>
      {ended ? (
        <Banner kind="warning" testId="session-ended">
          <p>
            <strong>Your session has ended</strong> (sessions last 12 hours, and end when you sign out elsewhere). What you were doing was not carried out: sign
            in again to go back to {next ? placeOf(next) : 'where you were'} and try once more.
          </p>
        </Banner>
      ) : null}
      <form onSubmit={submit} class="form">
        <Field id="sign-in-email" label="E-mail" type="email" autocomplete="username" required value={email} onValue={setEmail} testId="sign-in-email" />
        <Field id="sign-in-password" label="Password" type="password" autocomplete="current-password" required value={password} onValue={setPassword} testId="sign-in-password" />
        <button type="submit" disabled={busy} data-testid="sign-in-submit">
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <LiveStatus message={error} error />
      </form>
      <p class="muted">No password yet? Open the sign-in link the operator sent you.</p>
    </section>
  );
}
