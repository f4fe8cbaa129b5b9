/**
 * API keys: list, create (the full key is shown once, in a dialog, and never again: the server
 * keeps only a hash) and revoke after a confirmation. A test key tries features for free: its
 * calls are metered as tests, never billed, and limited per day.
 */
import { useState } from 'preact/hooks';
import type { ClientKeyList, NewApiKey } from '../../../api-types.ts';
import { CopyButton } from '../components/copy-button.tsx';
import { Dialog } from '../components/dialog.tsx';
import { LiveStatus, LoadView } from '../components/status.tsx';
import { Table } from '../components/table.tsx';
import { api } from '../endpoints.ts';
import { formatDateTime } from '../format.ts';
import { asApiError, useLoad } from '../use-load.ts';
import { TEST_CALLS_PER_DAY } from '../../../../../shared/test-calls.ts';

function KeyTable({ list, onRevoke, empty }: { list: ClientKeyList; onRevoke: (keyId: string) => void; empty: string }) {
  if (list.keys.length === 0) return <p class="muted">{empty}</p>;
  return (
    <Table columns={['Key ID', 'Kind', 'Created', 'Status', { label: 'Actions', srOnly: true }]}>
      <tbody>
        {list.keys.map((k) => (
          <tr key={k.keyId} data-testid="api-key-row" data-key-id={k.keyId}>
            <th scope="row">
              <code>{k.keyId}</code>
            </th>
            <td data-testid="api-key-kind">{k.test ? 'Test' : 'Live'}</td>
            <td>{formatDateTime(k.createdAt)}</td>
            <td>{k.revokedAt ? `Revoked ${formatDateTime(k.revokedAt)}` : <span class="status status-ok">Active</span>}</td>
            <td class="actions">
              {k.revokedAt ? null : (
                <button type="button" class="danger" onClick={() => onRevoke(k.keyId)} data-testid={`revoke-key-${k.keyId}`} aria-label={`Revoke key ${k.keyId}`}>
                  Revoke
                </button>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}

/** Whose keys: a client's (live and test), or a developer's (test keys only, which also call their drafts). */
const OWNERS = {
  client: { list: () => api.keys(), create: (test: boolean) => api.createKey(test), revoke: (keyId: string) => api.revokeKey(keyId) },
  developer: { list: () => api.developerKeys(), create: () => api.createDeveloperKey(), revoke: (keyId: string) => api.revokeDeveloperKey(keyId) },
} as const;

export function ApiKeys({ owner = 'client' }: { owner?: keyof typeof OWNERS }) {
  const ends = OWNERS[owner];
  const loader = useLoad(() => ends.list(), []);
  const [created, setCreated] = useState<NewApiKey | null>(null);
  const [revoking, setRevoking] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState({ text: '', error: false });

  const create = async (test: boolean) => {
    setBusy(true);
    setMessage({ text: '', error: false });
    try {
      setCreated(await ends.create(test));
      loader.reload();
    } catch (e) {
      setMessage({ text: asApiError(e).message, error: true });
    } finally {
      setBusy(false);
    }
  };

  const revoke = async (keyId: string) => {
    setBusy(true);
    try {
      await ends.revoke(keyId);
      setMessage({ text: `Key ${keyId} revoked: calls with it are refused from now on.`, error: false });
      loader.reload();
    } catch (e) {
      setMessage({ text: asApiError(e).message, error: true });
    } finally {
      setBusy(false);
      setRevoking(null);
    }
  };

  const perDay = TEST_CALLS_PER_DAY.toLocaleString('en');
  return (
    <>
      <h2>{owner === 'client' ? 'API keys' : 'Test keys'}</h2>
      <p>
        {/* Not disabled while busy: a disabled button drops focus, and the dialog returns focus to it. */}
        {owner === 'client' ? (
          <>
            <button type="button" onClick={() => !busy && void create(false)} aria-disabled={busy} data-testid="create-key">
              Create key
            </button>{' '}
          </>
        ) : null}
        <button type="button" class={owner === 'client' ? 'secondary' : undefined} onClick={() => !busy && void create(true)} aria-disabled={busy} data-testid="create-test-key">
          Create test key
        </button>
      </p>
      <p class="muted">
        {owner === 'client' ? (
          <>
            A test key (<code>fsk_test_…</code>) tries any feature for free: its calls are metered and shown apart, never billed, outside your quota and
            spend cap, and limited to {perDay} calls a day (UTC) for all your test keys together.
          </>
        ) : (
          <>
            Your test keys (<code>fsk_test_…</code>) call any feature, and your drafts (nobody else can), for free: metered as tests, never billed, at most{' '}
            {perDay} calls a day (UTC) for all of them together.
          </>
        )}
      </p>
      <LiveStatus message={message.text} error={message.error} />
      <LoadView loader={loader} loading="Loading keys…">
        {(list) => <KeyTable list={list} onRevoke={setRevoking} empty={owner === 'client' ? 'No API key yet. Create one to call features.' : 'No test key yet. Create one to call your drafts.'} />}
      </LoadView>

      {created ? (
        <Dialog title={created.test ? 'Your new test key' : 'Your new API key'} onClose={() => setCreated(null)} testId="new-key-dialog">
          <p>
            <strong>Copy it now: this key will not be shown again.</strong> Faascape keeps only a fingerprint of it. If you lose it, create another key and
            revoke this one.
          </p>
          <pre class="secret">
            <code id="new-api-key" data-testid="new-api-key">
              {created.apiKey}
            </code>
          </pre>
          <div class="row">
            <CopyButton text={created.apiKey} label="Copy key" sourceId="new-api-key" testId="copy-new-api-key" />
            <button type="button" onClick={() => setCreated(null)} data-testid="close-new-key">
              I have saved it
            </button>
          </div>
        </Dialog>
      ) : null}

      {revoking ? (
        <Dialog title={`Revoke key ${revoking}?`} onClose={() => setRevoking(null)} testId="revoke-dialog">
          <p>Calls made with this key are refused within a second. This cannot be undone.</p>
          <div class="row">
            <button type="button" class="secondary" onClick={() => setRevoking(null)}>
              Cancel
            </button>
            <button type="button" class="danger" disabled={busy} onClick={() => void revoke(revoking)} data-testid="confirm-revoke">
              Revoke key
            </button>
          </div>
        </Dialog>
      ) : null}
    </>
  );
}
