/**
 * What the client reads about its spending and its cap. The gateways reserve each call's price and
 * largest compute against the cap before it runs (decision 0013), so spending never passes the cap:
 * once it is reached the text says so first, and why a call can be refused with some of the cap
 * left (that call did not fit in it). A bare "107.0 %" said none of that.
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
    return {
      headline: `Spend cap reached: ${spent} spent of your ${cap} cap`,
      banner: {
        kind: 'error',
        title: 'Spend cap reached: new calls are refused',
        body:
          "Before a call runs, its price and its largest compute are set aside from what is left of the cap, so spending never passes it; a call that does not fit gets HTTP 429 spend_cap_reached until the month ends. Raise or remove the cap below to resume.",
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
        body: 'Spending never passes the cap: once what is left cannot cover a call, calls are refused (HTTP 429 spend_cap_reached) until the month ends or you raise the cap.',
      },
    };
  }
  return { headline };
}
