/**
 * `npm run sim:aws -- [options]`: a month of Faascape on AWS, simulated on this machine with the
 * real Lambda handlers of runtime/aws/ against the embedded store. Progress goes to stderr; the
 * last line of stdout is one JSON object with every figure (bench/sim/README.md explains them).
 */
import { parseOptions, USAGE } from './options.ts';
import { runSim } from './run.ts';

let parsed: ReturnType<typeof parseOptions>;
try {
  parsed = parseOptions(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n${USAGE}\n`);
  process.exit(2);
}
if (parsed === 'help') {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
try {
  const result = await runSim(parsed);
  if (!result.ok) process.stderr.write(`[sim:aws] NOT OK: ${[...result.failures, `lost ${result.lost}`, `doubleCounted ${result.doubleCounted}`, `records ${result.records} / aggregated ${result.aggregatedCalls} / statement ${result.statementCalls}`].join('; ')}\n`);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exitCode = result.ok ? 0 : 1;
} catch (e) {
  // Even a run that could not finish ends with its JSON line, saying why.
  const error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  process.stderr.write(`[sim:aws] the simulation failed: ${error}\n`);
  process.stdout.write(`${JSON.stringify({ ok: false, failures: [error] })}\n`);
  process.exitCode = 1;
}
