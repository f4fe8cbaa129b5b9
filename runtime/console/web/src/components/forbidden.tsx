/** The 403 page: a signed-in account opened a page of another role. */
import type { Role } from '../../../api-types.ts';
import { homeOf } from '../router.ts';
import { useSession } from '../session.ts';

export function Forbidden({ role, message }: { role?: Role; message?: string }) {
  const session = useSession();
  const mine = session.status === 'signed-in' ? session.info : undefined;
  return (
    <section data-testid="forbidden" class="forbidden">
      <h1 tabIndex={-1}>403 — {role ? `this page is for ${role} accounts` : 'not allowed'}</h1>
      {message && !role ? <p>{message}</p> : null}
      {mine ? (
        <p>
          You are signed in as <strong>{mine.email}</strong>, a {mine.role} account. <a href={homeOf(mine.role)}>Go to your pages</a>, or sign out and
          sign in with a {role ?? 'different'} account.
        </p>
      ) : null}
    </section>
  );
}
