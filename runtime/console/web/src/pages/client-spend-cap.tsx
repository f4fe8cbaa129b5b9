/**
 * Spending so far against the optional monthly cap: a bar, a banner from 85 % (warning) and at
 * 100 % (calls refused), and the form to set or remove the cap.
 */
import { useState } from 'preact/hooks';
import type { ClientOverview } from '../../../api-types.ts';
import { Banner, LiveStatus } from '../components/status.tsx';
import { api } from '../endpoints.ts';
import { formatEuros, microsToDecimal, parseEurosInput, percentOf } from '../money.ts';
import { asApiError } from '../use-load.ts';

const STATUS_TEXT = {
  none: 'No spend cap',
  ok: 'Within your cap',
  warning: 'Close to your cap',
  reached: 'Cap reached: calls refused',
} as const;

function CapForm({ o, onChange }: { o: ClientOverview; onChange: (o: ClientOverview) => void }) {
  const [text, setText] = useState(o.capMicros === null ? '' : microsToDecimal(o.capMicros));
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState({ text: '', error: false });

  const save = async (cap: string | null) => {
    setBusy(true);
    setMessage({ text: '', error: false });
    try {
      const updated = await api.setSpendCap({ cap });
      onChange(updated);
      setText(updated.capMicros === null ? '' : microsToDecimal(updated.capMicros));
      setMessage({ text: updated.capMicros === null ? 'Spend cap removed.' : `Spend cap set to ${formatEuros(updated.capMicros)} a month.`, error: false });
    } catch (e) {
      setMessage({ text: asApiError(e).message, error: true });
    } finally {
      setBusy(false);
    }
  };

  const submit = (e: Event) => {
    e.preventDefault();
    const cap = parseEurosInput(text);
    if (cap === undefined) {
      setMessage({ text: 'Enter an amount in euros, such as 50 or 49.90.', error: true });
      return;
    }
    void save(cap);
  };

  return (
    <form class="form inline-form" onSubmit={submit}>
      <label for="spend-cap">Monthly spend cap (€)</label>
      <div class="row">
        <input id="spend-cap" inputMode="decimal" autocomplete="off" value={text} onInput={(e) => setText(e.currentTarget.value)} placeholder="e.g. 50.00" data-testid="spend-cap-input" />
        <button type="submit" disabled={busy} data-testid="spend-cap-save">
          {o.capMicros === null ? 'Set cap' : 'Change cap'}
        </button>
        {o.capMicros !== null ? (
          <button type="button" class="secondary" disabled={busy} onClick={() => void save(null)} data-testid="spend-cap-remove">
            Remove cap
          </button>
        ) : null}
      </div>
      <LiveStatus message={message.text} error={message.error} />
    </form>
  );
}

export function SpendCap({ o, onChange }: { o: ClientOverview; onChange: (o: ClientOverview) => void }) {
  const pct = o.capMicros === null ? 0 : percentOf(o.spentMicros, o.capMicros);
  return (
    <div class="spend">
      <p class="big">
        {formatEuros(o.spentMicros)} spent so far
        {o.capMicros !== null ? (
          <>
            {' '}
            of your {formatEuros(o.capMicros)} cap ({pct.toFixed(1)} %)
          </>
        ) : null}
      </p>
      {o.capMicros !== null ? (
        <div class={`bar bar-${o.capStatus}`} role="progressbar" aria-label="Share of the spend cap used" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.min(100, pct)}>
          <span style={{ width: `${Math.min(100, pct)}%` }} />
        </div>
      ) : null}
      <p>
        Status:{' '}
        <strong class={`status status-${o.capStatus}`} data-testid="spend-cap-status" data-status={o.capStatus}>
          {STATUS_TEXT[o.capStatus]}
        </strong>
      </p>
      {o.capStatus === 'warning' ? (
        <Banner kind="warning" testId="spend-cap-warning">
          <strong>You have used {pct.toFixed(1)} % of your monthly spend cap.</strong> When it is reached, calls are refused (HTTP 429 spend_cap_reached) until
          the month ends or you raise the cap.
        </Banner>
      ) : null}
      {o.capStatus === 'reached' ? (
        <Banner kind="error" testId="spend-cap-reached">
          <strong>Spend cap reached: calls are being refused</strong> with HTTP 429 spend_cap_reached until the month ends. Raise or remove the cap below to
          resume.
        </Banner>
      ) : null}
      <CapForm o={o} onChange={onChange} />
    </div>
  );
}
