// The load generator of bench/gateway.ts, run as its own process (plain node, no tsx loader):
//
//   node bench/lib/load-client.mjs '{"url":"http://127.0.0.1:3000/v1/features/echo","connections":64,"duration":10,"headers":{}}'
//
// It drives autocannon through its API and, besides autocannon's own figures (latencies in whole
// milliseconds), records every response time at full resolution (hrtime, fractional ms) so that
// p50/p99 are exact to the microsecond. Prints one JSON line on stdout.
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

const opts = JSON.parse(process.argv[2] ?? '{}');
if (!opts.url) {
  process.stderr.write('usage: load-client.mjs <json options: url, connections, duration, headers, method, body>\n');
  process.exit(2);
}

let lat = new Float64Array(1 << 16);
let n = 0;
let n2xx = 0;

function push(v) {
  if (n === lat.length) {
    const bigger = new Float64Array(lat.length * 2);
    bigger.set(lat);
    lat = bigger;
  }
  lat[n++] = v;
}

function pct(sorted, p) {
  if (sorted.length === 0) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

// Interleaved traffic (bench/aggregation.ts): `pairsFile` names a JSON file { keys: [...], paths: [...] };
// every request goes to a random path with a random key, so each call is its own (client, feature) pair.
const pairs = opts.pairsFile ? JSON.parse(readFileSync(opts.pairsFile, 'utf8')) : undefined;
const pick = (xs) => xs[Math.floor(Math.random() * xs.length)];

const instance = autocannon(
  {
    url: opts.url,
    ...(pairs
      ? {
          requests: [
            {
              setupRequest: (req) => ({ ...req, path: pick(pairs.paths), headers: { ...req.headers, 'x-api-key': pick(pairs.keys) } }),
            },
          ],
        }
      : {}),
    connections: opts.connections ?? 64,
    duration: opts.duration ?? 10,
    method: opts.method ?? 'GET',
    headers: opts.headers ?? {},
    ...(opts.body !== undefined ? { body: opts.body } : {}),
    timeout: opts.timeout ?? 10,
  },
  (err, result) => {
    if (err) {
      process.stderr.write(`load-client: ${err.stack ?? err}\n`);
      process.exit(1);
    }
    const sorted = lat.subarray(0, n).sort();
    let sum = 0;
    for (let i = 0; i < n; i += 1) sum += sorted[i];
    const out = {
      url: result.url,
      connections: result.connections,
      durationS: result.duration,
      requestsTotal: result.requests.total,
      requestsSent: result.requests.sent,
      reqPerSecAutocannon: result.requests.average,
      '2xx': result['2xx'],
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
      resets: result.resets,
      statusCodeStats: result.statusCodeStats,
      // autocannon's own histogram: whole milliseconds
      autocannonLatencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max, mean: result.latency.mean },
      // every 2xx response time at full resolution
      latencyMs: {
        count: n,
        mean: n ? sum / n : null,
        p50: pct(sorted, 50),
        p90: pct(sorted, 90),
        p99: pct(sorted, 99),
        p999: pct(sorted, 99.9),
        max: n ? sorted[n - 1] : null,
      },
      responses2xxSeen: n2xx,
      // this load generator's own CPU, so the reader can see what was left for the server
      cpuMs: (() => {
        const u = process.cpuUsage();
        return (u.user + u.system) / 1000;
      })(),
    };
    process.stdout.write(`${JSON.stringify(out)}\n`);
  },
);

instance.on('response', (_client, statusCode, _bytes, responseTime) => {
  if (statusCode >= 200 && statusCode < 300) {
    n2xx += 1;
    push(responseTime);
  }
});

// The parent may stop us (cleanup on error): stop the run, print nothing.
process.on('SIGTERM', () => {
  instance.stop();
  process.exit(143);
});
