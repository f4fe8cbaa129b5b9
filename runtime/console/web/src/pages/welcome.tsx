/** The one-time link from `faascape accounts create`: choose a password, then straight in. */
import { useState } from 'preact/hooks';
import { Field } from '../components/field.tsx';
import { Banner, ErrorBox, Loading, LiveStatus } from '../components/status.tsx';
import { api } from '../endpoints.ts';
import { asApiError, useLoad } from '../use-load.ts';
import { enter } from './sign-in.tsx';

export const MIN_PASSWORD = 12;

/** Looks at the link first: a used or expired one says so at once, a live one names its account. */
export function WelcomePage({ token }: { token: string }) {
  const link = useLoad(() => api.signInLink(token), [token]);
  const { load } = link;
  if (load.state === 'loading') return <Loading what="Checking your sign-in link…" />;
  if (load.state === 'error') {
    return (
      <section class="narrow">
        <h1 tabIndex={-1}>Welcome to Faascape</h1>
        {load.error.code === 'invalid_link' ? (
          <Banner kind="error" testId="welcome-invalid">
            <p>
              <strong>This sign-in link no longer works.</strong> It was already used, has expired (links last 7 days), or a newer link replaced it. Ask the operator
              for a new one.
            </p>
            <p>
              Already chose a password? <a href="#/sign-in">Sign in</a>.
            </p>
          </Banner>
        ) : (
          <ErrorBox error={load.error} onRetry={link.reload} />
        )}
      </section>
    );
  }
  return <WelcomeForm token={token} email={load.data.email} />;
}

function WelcomeForm({ token, email }: { token: string; email: string }) {
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');

  const submit = async (e: Event) => {
    e.preventDefault();
    // Checked here too so a typo costs no round trip; the server checks again.
    if (password.length < MIN_PASSWORD) return setError(`The password needs at least ${MIN_PASSWORD} characters.`);
    if (password !== confirm) return setError('The two passwords differ.');
    setBusy(true);
    setError('');
    try {
      enter(await api.redeem({ token, password }));
    } catch (err) {
      setError(asApiError(err).message);
      setBusy(false);
    }
  };

  return (
    <section class="narrow">
      <h1 tabIndex={-1}>Welcome to Faascape</h1>
      <p data-testid="welcome-account">
        Choose a password for <strong>{email}</strong>. This link works once.
      </p>
      {/* noValidate: our own messages, announced in the live region, instead of the browser's bubbles. */}
      <form onSubmit={submit} class="form" noValidate>
        <Field
          id="welcome-password"
          label={`New password (at least ${MIN_PASSWORD} characters)`}
          type="password"
          autocomplete="new-password"
          required
          minLength={MIN_PASSWORD}
          value={password}
          onValue={setPassword}
          aria-describedby="welcome-hint"
          testId="welcome-password"
        />
        <p id="welcome-hint" class="muted">
          A long phrase is easier to remember than a short jumble.
        </p>
        <Field id="welcome-confirm" label="Repeat the password" type="password" autocomplete="new-password" required value={confirm} onValue={setConfirm} testId="welcome-confirm" />
        <button type="submit" disabled={busy} data-testid="welcome-submit">
          {busy ? 'Saving…' : 'Set password and sign in'}
        </button>
        <LiveStatus message={error} error />
      </form>
    </section>
  );
}
