/**
 * The client's public name: what discussions and requests show instead of the client id (issue
 * #17). Empty means anonymous, shown as "a client". The server checks the rules and says why not.
 */
import { useState } from 'preact/hooks';
import type { ClientProfile } from '../../../api-types.ts';
import { LiveStatus, LoadView } from '../components/status.tsx';
import { api } from '../endpoints.ts';
import { useLoad } from '../use-load.ts';
import { useSaving } from '../use-saving.ts';

/** Same limit as the server (shared/display-name.ts). */
const MAX_DISPLAY_NAME = 40;

function ProfileForm({ p, onChange }: { p: ClientProfile; onChange: (p: ClientProfile) => void }) {
  const [text, setText] = useState(p.displayName ?? '');
  const { busy, message, run } = useSaving();

  const save = (displayName: string | null) =>
    run(
      () => api.setClientProfile({ displayName }),
      (updated) => {
        onChange(updated);
        setText(updated.displayName ?? '');
        return updated.displayName === null ? 'Name removed: others see you as “a client”.' : `Others now see you as “${updated.displayName}”.`;
      },
    );

  const submit = (e: Event) => {
    e.preventDefault();
    void save(text.trim() === '' ? null : text);
  };

  return (
    <form class="form inline-form" onSubmit={submit}>
      <label for="display-name">Public display name</label>
      <p class="hint" id="display-name-hint">
        Shown as the author of your threads, posts and requests. Leave it empty to appear as “a client”; your client id is never shown to others.
      </p>
      <div class="row">
        <input
          id="display-name"
          autocomplete="organization"
          maxLength={MAX_DISPLAY_NAME}
          value={text}
          onInput={(e) => setText(e.currentTarget.value)}
          placeholder="e.g. Acme Logistics"
          aria-describedby="display-name-hint"
          data-testid="display-name-input"
        />
        <button type="submit" disabled={busy} data-testid="display-name-save">
          Save name
        </button>
        {p.displayName !== null ? (
          <button type="button" class="secondary" disabled={busy} onClick={() => void save(null)} data-testid="display-name-remove">
            Remove name
          </button>
        ) : null}
      </div>
      <LiveStatus message={message.text} error={message.error} />
    </form>
  );
}

export function ClientProfileSection() {
  const profile = useLoad(() => api.clientProfile(), []);
  return (
    <>
      <h2>In the community</h2>
      <LoadView loader={profile} loading="Loading your public name…">
        {(p) => (
          <>
            <p>
              Others see you as <strong data-testid="display-name-shown">{p.shownAs}</strong>.
            </p>
            <ProfileForm p={p} onChange={profile.replace} />
          </>
        )}
      </LoadView>
    </>
  );
}
