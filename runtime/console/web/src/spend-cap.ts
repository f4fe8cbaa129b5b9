/**
 * What the client reads about its spending and its cap. Once the cap is reached it says so first
 * and, when spending went past the cap, why: the cap is checked before each call and a call's
 * price is known only after it ran, so the call that crossed the cap was served (and is billed);
 * the calls after it are refused. A bare "107.0 %" said none of that.
 */
import type { CapStatus } from '../../api-types.ts';
import { formatEuros, percentOf } from './money.ts';

export interface CapText {
  /** the line under "Spending" */
  headline: string;
  /** the banner's bold first sentence and its explanation; absent when there is nothing to warn about */
  banner?: { kind: 'warning' | 'error'; title: string; body: string };
}

export function capText(spentMicros: number, capMicros: number | null, status: CapStatus): CapText {
  const spent = formatEuros(spentMicros);
  if (capMicros === null) return { headline: `${spent} spent so far this month (no spend cap)` };
  const cap = formatEuros(capMicros);
  const pct = percentOf(spentMicros, capMicros);
  if (status === 'reached') {
    const over = spentMicros - capMicros;
    return {
      headline: over > 0 ? `Spend cap reached: ${spent} spent, ${formatEuros(over)} over your ${cap} cap` : `Spend cap reached: ${spent} spent of your ${cap} cap`,
      banner: {
        kind: 'error',
        title: 'Spend cap reached: new calls are refused',
        body:
          (over > 0
            ? `The call that crossed the cap was served and is billed (a call's price is known only after it ran), which is why spending is ${formatEuros(over)} above the cap. `
            : '') + 'Calls after it get HTTP 429 spend_cap_reached until the month ends. Raise or remove the cap below to resume.',
      },
    };
  }
  const headline = `${spent} spent so far of your ${cap} cap (${pct.toFixed(1)} %)`;
  if (status === 'warning') {
    return {
      headline,
      banner: {
        kind: 'warning',
        title: `You have used ${pct.toFixed(1)} % of your monthly spend cap.`,
        body: 'When it is reached, the call that crosses it is still served; the calls after it are refused (HTTP 429 spend_cap_reached) until the month ends or you raise the cap.',
      },
    };
  }
  return { headline };
}
