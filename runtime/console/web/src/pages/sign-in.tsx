/** E-mail + password sign-in; the API's own message on failure (wrong password, 429 locked out). */
import { useState } from 'preact/hooks';
import type { SessionInfo } from '../../../api-types.ts';
import { Field } from '../components/field.tsx';
import { LiveStatus } from '../components/status.tsx';
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

export function SignInPage({ next }: { next?: string }) {
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
