/** E-mail + password sign-in; the API's own message on failure (wrong password, 429 locked out). */
import { useState } from 'preact/hooks';
import type { SessionInfo } from '../../../api-types.ts';
import { LiveStatus } from '../components/status.tsx';
import { api } from '../endpoints.ts';
import { homeOf, navigate } from '../router.ts';
import { setSession } from '../session.ts';
import { asApiError } from '../use-load.ts';

/** After sign-in: back where the 401 interrupted, else the role's home. */
export function enter(info: SessionInfo, next?: string): void {
  setSession(info);
  const allowed = next && (next.startsWith(`/${info.role}`) || next.startsWith('/catalogue'));
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
        <label for="sign-in-email">E-mail</label>
        <input id="sign-in-email" type="email" autocomplete="username" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} data-testid="sign-in-email" />
        <label for="sign-in-password">Password</label>
        <input
          id="sign-in-password"
          type="password"
          autocomplete="current-password"
          required
          value={password}
          onInput={(e) => setPassword(e.currentTarget.value)}
          data-testid="sign-in-password"
        />
        <button type="submit" disabled={busy} data-testid="sign-in-submit">
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <LiveStatus message={error} error />
      </form>
      <p class="muted">No password yet? Open the sign-in link the operator sent you.</p>
    </section>
  );
}
