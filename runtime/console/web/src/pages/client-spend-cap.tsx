/**
 * Spending so far against the optional monthly cap: a bar, a banner from 85 % (warning) and at
 * 100 % (calls refused), and the form to set or remove the cap.
 */
import { useState } from 'preact/hooks';
import type { ClientOverview } from '../../../api-types.ts';
import { Banner, LiveStatus } from '../components/status.tsx';
import { api } from '../endpoints.ts';
import { formatEuros, microsToDecimal, parseEurosInput, percentOf } from '../money.ts';
import { capText } from '../spend-cap.ts';
import { useSaving } from '../use-saving.ts';

const STATUS_TEXT = {
  none: 'No spend cap',
  ok: 'Within your cap',
  warning: 'Close to your cap',
  reached: 'Cap reached: new calls refused',
} as const;

function CapForm({ o, onChange }: { o: ClientOverview; onChange: (o: ClientOverview) => void }) {
  const [text, setText] = useState(o.capMicros === null ? '' : microsToDecimal(o.capMicros));
  const { busy, message, setMessage, run } = useSaving();

  const save = (cap: string | null) =>
    run(
      () => api.setSpendCap({ cap }),
      (updated) => {
        onChange(updated);
        setText(updated.capMicros === null ? '' : microsToDecimal(updated.capMicros));
        return updated.capMicros === null ? 'Spend cap removed.' : `Spend cap set to ${formatEuros(updated.capMicros)} a month.`;
      },
    );

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
  const text = capText(o.spentMicros, o.capMicros, o.capStatus);
  return (
    <div class="spend">
      <p class="big" data-testid="spend-headline">
        {text.headline}
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
      {text.banner ? (
        <Banner kind={text.banner.kind} testId={text.banner.kind === 'error' ? 'spend-cap-reached' : 'spend-cap-warning'}>
          <strong>{text.banner.title}</strong> {text.banner.body}
        </Banner>
      ) : null}
      <CapForm o={o} onChange={onChange} />
    </div>
  );
}
