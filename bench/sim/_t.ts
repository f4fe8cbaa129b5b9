import { runSim } from './run.ts';
const r = await runSim({ calls: 1200, clients: 20, features: 5, containers: 30, concurrency: 16, faults: process.argv[2] === "f", killRate: 0.3, drainCrashRate: 0.3, duplicateDeliveryRate: 0.3, outage: [0.4, 0.45], rate: 100, sweepEverySimS: 1, featureMs: 0, progressMs: 0 });
for (const k of ["ok", "phasesSeconds", "meanWallLatencyMs", "storeLatencyMsByTarget"]) console.log(k, JSON.stringify(r[k]));
