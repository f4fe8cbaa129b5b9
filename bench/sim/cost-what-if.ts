/**
 * What-if of the platform's cost per million calls (issue #13): the cost model of
 * bench/sim/prices.ts applied to the parts measured by `npm run sim:aws -- --calls 200000
 * --clients 200 --features 20 --containers 5000 --faults on` at 58192cc (docs/aws.md), with one
 * lever changed at a time. A calculator, not a measurement: it says how far each lever could go.
 *
 *   npx tsx bench/sim/cost-what-if.ts
 */
import { PRICES } from './prices.ts';
// Platform USD per million calls for a 20 ms feature, from its parts.
function platform(o: { wru: number; rru: number; memMb: number; roundTrips: number; cpuMs: number; initPerCall: number; spool: number }) {
  const gbS = (ms: number, mb: number) => (ms / 1000) * (mb / 1024);
  const cpuBilled = (o.cpuMs * 1769) / Math.min(1769, o.memMb);
  const dur = gbS(20 + o.roundTrips * 5 + cpuBilled, o.memMb) * PRICES.lambdaArmPerGbSecond * 1e6;
  const init = o.initPerCall * gbS(200, o.memMb) * PRICES.lambdaArmPerGbSecond * 1e6;
  const total = o.wru * PRICES.dynamodbWritePerMillionWru + o.rru * PRICES.dynamodbReadPerMillionRru + dur + init + PRICES.lambdaPerMillionRequests + o.spool;
  return { writes: +(o.wru * PRICES.dynamodbWritePerMillionWru).toFixed(4), reads: +(o.rru * PRICES.dynamodbReadPerMillionRru).toFixed(4), duration: +dur.toFixed(4), init: +init.toFixed(4), requests: PRICES.lambdaPerMillionRequests, spool: o.spool, total: +total.toFixed(4) };
}
const measured = { wru: 1.094, rru: 0.633, memMb: 256, roundTrips: 2.03 + 0.02, cpuMs: 2.4 + 0.97 * 0.9, initPerCall: 5000 / 206760, spool: 0.0127 };
const cases: Record<string, typeof measured> = {
  'as measured (58192cc)': measured,
  'no key look-up at all (a cache shared by every container)': { ...measured, rru: 0.633 - 0.471, roundTrips: 1.06, cpuMs: 2.4 },
  '… and the SDK off the hot path (CPU 2.4 -> 1.2 ms)': { ...measured, rru: 0.633 - 0.471, roundTrips: 1.06, cpuMs: 1.2 },
  '… and no CPU at all': { ...measured, rru: 0.633 - 0.471, roundTrips: 1.06, cpuMs: 0 },
  '128 MB, no look-up, SDK off (CPU 1.2 ms)': { ...measured, memMb: 128, rru: 0.633 - 0.471, roundTrips: 1.06, cpuMs: 1.2 },
  'the design floor: 1 WRU, 1 request, 128 MB, 1 round trip, no CPU, no look-up, no spool, no aggregation': { wru: 1, rru: 0, memMb: 128, roundTrips: 1, cpuMs: 0, initPerCall: 0, spool: 0 },
};
for (const [name, c] of Object.entries(cases)) console.log(JSON.stringify({ case: name, ...platform(c) }));
