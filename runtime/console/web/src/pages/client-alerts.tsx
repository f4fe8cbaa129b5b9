/**
 * Alerts and webhooks (issue #16): the alerts the platform noticed for this client (85 % and 100 % of
 * its spend cap and quota, each issued invoice), in words; and the webhook endpoints they are POSTed
 * to, signed. An endpoint's signing secret is shown once, when it is added, with how to check the
 * signature; the delivery log shows every attempt, and Resend sends one again.
 */
import { useId, useState } from 'preact/hooks';
import type { ClientWebhooks, NewWebhookEndpoint, WebhookDeliveryInfo, WebhookEndpointInfo } from '../../../api-types.ts';
import { ALERT_TYPE_NAMES, alertWords, attemptWords } from '../alert-words.ts';
import { CopyButton } from '../components/copy-button.tsx';
import { Dialog } from '../components/dialog.tsx';
import { LiveStatus, LoadView } from '../components/status.tsx';
import { Table } from '../components/table.tsx';
import { api } from '../endpoints.ts';
import { formatDateTime } from '../format.ts';
import { homeOf } from '../router.ts';
import { useLoad } from '../use-load.ts';
import { useSaving } from '../use-saving.ts';

/** What a receiver runs to check a request (Node; any HMAC-SHA256 library does the same). */
const VERIFY_SNIPPET = `import { createHmac, timingSafeEqual } from 'node:crypto';

// header: the Faascape-Signature header; body: the raw request body, before parsing
function isFromFaascape(header, body, secret) {
  const f = Object.fromEntries(header.split(',').map((kv) => kv.split('=')));
  const expected = createHmac('sha256', secret).update(\`\${f.t}.\${body}\`).digest();
  const given = Buffer.from(f.v1 ?? '', 'hex');
  const recent = Math.abs(Date.now() / 1000 - Number(f.t)) <= 300;
  return recent && given.length === expected.length && timingSafeEqual(given, expected);
}`;

export function AlertsSection() {
  const loader = useLoad(() => api.alerts(), []);
  return (
    <>
      <h2 id="alerts">Alerts</h2>
      <LoadView loader={loader} loading="Loading your alerts…">
        {({ alerts }) =>
          alerts.length === 0 ? (
            <p class="muted" data-testid="alerts-empty">
              No alerts yet. You are told here, and at your webhook endpoints, when you reach 85 % and 100 % of your spend cap or monthly quota, and when an
              invoice is issued.
            </p>
          ) : (
            <ul data-testid="alerts-list">
              {alerts.map((a) => (
                <li key={a.id} data-testid="alert-row" data-type={a.type}>
                  <span class="muted">{formatDateTime(a.created)}</span> {alertWords(a)}
                </li>
              ))}
            </ul>
          )
        }
      </LoadView>
    </>
  );
}

function SecretDialog({ created, onClose }: { created: NewWebhookEndpoint; onClose: () => void }) {
  const secretId = useId();
  const snippetId = useId();
  return (
    <Dialog title="Your endpoint's signing secret" onClose={onClose} testId="webhook-secret-dialog">
      <p>
        <strong>Copy it now: this secret will not be shown again.</strong> Keep it with the code that receives the webhooks. If you lose it, remove the
        endpoint and add it again for a new secret.
      </p>
      <pre class="secret">
        <code id={secretId} data-testid="webhook-secret">
          {created.secret}
        </code>
      </pre>
      <div class="row">
        <CopyButton text={created.secret} label="Copy secret" sourceId={secretId} testId="copy-webhook-secret" />
      </div>
      <h3>Checking a request</h3>
      <p data-testid="webhook-verify-help">
        Each request carries the header <code>Faascape-Signature</code>, shaped <code>t=…,v1=…</code>: <code>t</code> is the time it was signed (Unix
        seconds) and <code>v1</code> the hex HMAC-SHA256, keyed with this secret, of <code>t + "." + body</code> (the raw body, before parsing). Compare
        in constant time and refuse a <code>t</code> more than 5 minutes old. The same event may arrive more than once: its <code>id</code> tells.
      </p>
      <pre id={snippetId} tabIndex={0} data-testid="webhook-verify-snippet">
        <code>{VERIFY_SNIPPET}</code>
      </pre>
      <div class="row">
        <CopyButton text={VERIFY_SNIPPET} label="Copy code" sourceId={snippetId} testId="copy-webhook-snippet" />
        <button type="button" onClick={onClose} data-testid="close-webhook-secret">
          I have saved it
        </button>
      </div>
    </Dialog>
  );
}

function EndpointTable({ endpoints, onRemove }: { endpoints: WebhookEndpointInfo[]; onRemove: (e: WebhookEndpointInfo) => void }) {
  if (endpoints.length === 0) return <p class="muted">No endpoint yet: alerts are shown on this page only.</p>;
  return (
    <Table caption="Endpoints" columns={['URL', 'Added', { label: 'Actions', srOnly: true }]} testId="webhook-endpoints">
      <tbody>
        {endpoints.map((e) => (
          <tr key={e.id} data-testid="webhook-endpoint-row" data-endpoint-id={e.id}>
            <th scope="row" class="description">
              <code>{e.url}</code>
            </th>
            <td>{formatDateTime(e.createdAt)}</td>
            <td class="actions">
              <button type="button" class="danger" onClick={() => onRemove(e)} data-testid={`remove-webhook-${e.id}`} aria-label={`Remove endpoint ${e.url}`}>
                Remove
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}

function StateCell({ d }: { d: WebhookDeliveryInfo }) {
  if (d.state === 'delivered') return <span class="status status-ok">Delivered</span>;
  if (d.state === 'failed') return <span class="status status-reached">Gave up after 24 hours</span>;
  return (
    <span class="status status-warning">
      {d.attempts.length === 0 ? 'Sending' : 'Retrying'}
      {d.nextAttemptAt !== null ? ` at ${formatDateTime(d.nextAttemptAt)}` : ''}
    </span>
  );
}

function DeliveryLog({ deliveries, onResend, busy }: { deliveries: WebhookDeliveryInfo[]; onResend: (d: WebhookDeliveryInfo) => void; busy: boolean }) {
  if (deliveries.length === 0) return <p class="muted">No delivery yet.</p>;
  return (
    <Table caption="Delivery log" columns={['Event', 'Endpoint', 'Status', 'Attempts', { label: 'Actions', srOnly: true }]} testId="webhook-deliveries">
      <tbody>
        {deliveries.map((d) => (
          <tr key={`${d.eventId}#${d.endpointId}`} data-testid="webhook-delivery-row" data-event-id={d.eventId} data-endpoint-id={d.endpointId} data-state={d.state}>
            <th scope="row">
              {ALERT_TYPE_NAMES[d.eventType]}
              <br />
              <span class="muted">{formatDateTime(d.eventCreated)}</span>
              <br />
              <code class="hash">{d.eventId}</code>
            </th>
            <td class="description">{d.endpointUrl ? <code>{d.endpointUrl}</code> : <span class="muted">removed</span>}</td>
            <td>
              <StateCell d={d} />
            </td>
            <td>
              {d.attempts.length === 0 ? (
                <span class="muted">none yet</span>
              ) : (
                d.attempts.map((a, i) => (
                  <span key={i} data-testid="webhook-attempt">
                    {i > 0 ? <br /> : null}
                    {attemptWords(a)}
                  </span>
                ))
              )}
            </td>
            <td class="actions">
              {d.endpointUrl ? (
                <button
                  type="button"
                  class="secondary"
                  onClick={() => !busy && onResend(d)}
                  aria-disabled={busy}
                  data-testid="resend-delivery"
                  aria-label={`Resend ${ALERT_TYPE_NAMES[d.eventType]} ${d.eventId} to ${d.endpointUrl}`}
                >
                  Resend
                </button>
              ) : null}
            </td>
          </tr>
        ))}
      </tbody>
    </Table>
  );
}

function AddEndpointForm({ onAdded }: { onAdded: (created: NewWebhookEndpoint) => void }) {
  const [url, setUrl] = useState('');
  const { busy, message, run } = useSaving();
  const submit = (e: Event) => {
    e.preventDefault();
    void run(
      () => api.addWebhook({ url: url.trim() }),
      (created) => {
        setUrl('');
        onAdded(created);
        return `Endpoint ${created.url} added: it receives the next alerts.`;
      },
    );
  };
  return (
    <form class="form" onSubmit={submit} data-testid="webhook-form">
      <label for="webhook-url">Endpoint URL</label>
      <p class="hint" id="webhook-url-hint">
        Your receiver&apos;s address: https, on a public host (not a loopback or private address). Each alert is POSTed there as JSON, retried for 24 hours
        until it answers 2xx.
      </p>
      <input
        id="webhook-url"
        type="url"
        inputMode="url"
        autocomplete="url"
        value={url}
        onInput={(e) => setUrl(e.currentTarget.value)}
        required
        maxLength={2000}
        aria-describedby="webhook-url-hint"
        data-testid="webhook-url"
      />
      <button type="submit" disabled={busy} data-testid="webhook-add">
        {busy ? 'Adding…' : 'Add endpoint'}
      </button>
      <div data-testid="webhook-message" data-error={String(message.error)}>
        <LiveStatus message={message.text} error={message.error} />
      </div>
    </form>
  );
}

function Webhooks({ w, reload }: { w: ClientWebhooks; reload: () => void }) {
  const [created, setCreated] = useState<NewWebhookEndpoint | null>(null);
  const [removing, setRemoving] = useState<WebhookEndpointInfo | null>(null);
  const actions = useSaving();

  const remove = (e: WebhookEndpointInfo) =>
    actions
      .run(
        () => api.removeWebhook(e.id),
        () => `Endpoint ${e.url} removed: it receives nothing more.`,
      )
      .finally(() => {
        setRemoving(null);
        reload();
      });

  const resend = (d: WebhookDeliveryInfo) =>
    actions
      .run(
        () => api.resendDelivery({ eventId: d.eventId, endpointId: d.endpointId }),
        () => `${ALERT_TYPE_NAMES[d.eventType]} ${d.eventId} is sent again to ${d.endpointUrl ?? d.endpointId} within a minute.`,
      )
      .finally(reload);

  return (
    <>
      {w.endpoints.length < w.maxEndpoints ? (
        <AddEndpointForm
          onAdded={(c) => {
            setCreated(c);
            reload();
          }}
        />
      ) : (
        <p class="muted">You have {w.maxEndpoints} endpoints, the most a client may have: remove one to add another.</p>
      )}
      <div data-testid="webhook-actions-message" data-error={String(actions.message.error)}>
        <LiveStatus message={actions.message.text} error={actions.message.error} />
      </div>
      <EndpointTable endpoints={w.endpoints} onRemove={setRemoving} />
      <DeliveryLog deliveries={w.deliveries} onResend={(d) => void resend(d)} busy={actions.busy} />

      {created ? <SecretDialog created={created} onClose={() => setCreated(null)} /> : null}
      {removing ? (
        <Dialog title="Remove this endpoint?" onClose={() => setRemoving(null)} testId="remove-webhook-dialog">
          <p>
            <code class="description">{removing.url}</code> receives no more alerts, and its pending deliveries are dropped. Its log stays.
          </p>
          <div class="row">
            <button type="button" class="secondary" onClick={() => setRemoving(null)}>
              Cancel
            </button>
            <button type="button" class="danger" disabled={actions.busy} onClick={() => void remove(removing)} data-testid="confirm-remove-webhook">
              Remove endpoint
            </button>
          </div>
        </Dialog>
      ) : null}
    </>
  );
}

export function WebhooksSection() {
  const loader = useLoad(() => api.webhooks(), []);
  return (
    <>
      <h2 id="webhooks">Webhooks</h2>
      <p>Your endpoints receive the same alerts as this page, as signed JSON requests, so your own systems can act on them.</p>
      <LoadView loader={loader} loading="Loading your webhooks…">
        {(w) => <Webhooks w={w} reload={loader.reload} />}
      </LoadView>
    </>
  );
}

/** `#/client/alerts`: the client's alerts and webhooks, linked from its home page. */
export function ClientAlertsPage() {
  return (
    <section>
      <p>
        <a href={homeOf('client')}>← Usage and billing</a>
      </p>
      <h1 tabIndex={-1}>Alerts and webhooks</h1>
      <AlertsSection />
      <WebhooksSection />
    </section>
  );
}
