// Runs one feature inside a worker thread, one invocation at a time, like a Lambda execution
// environment: the bundled module is imported once (the cold start), then reused while warm.
import { parentPort, workerData } from 'node:worker_threads';

const { modulePath, functionName, memoryMb, version } = workerData;
const mod = await import(modulePath);
const handler = typeof mod.handler === 'function' ? mod.handler : mod.default?.handler;
if (typeof handler !== 'function') throw new TypeError(`${functionName} does not export a handler function`);

function run(event, context) {
  // Callback-style handlers (event, context, callback) are valid Lambda handlers too.
  if (handler.length >= 3) {
    return new Promise((resolve, reject) => {
      const maybe = handler(event, context, (err, value) => (err ? reject(err) : resolve(value)));
      if (maybe && typeof maybe.then === 'function') maybe.then(resolve, reject);
    });
  }
  return handler(event, context);
}

parentPort.on('message', async ({ id, event, timeoutMs }) => {
  const deadline = Date.now() + timeoutMs;
  const context = {
    awsRequestId: id,
    functionName,
    functionVersion: version,
    memoryLimitInMB: String(memoryMb),
    invokedFunctionArn: `arn:faascape:local:function:${functionName}`,
    logGroupName: `/faascape/${functionName}`,
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done() {},
    fail() {},
    succeed() {},
  };
  try {
    const result = await run(event, context);
    parentPort.postMessage({ id, ok: true, result });
  } catch (e) {
    const error = { name: e?.name ?? 'Error', message: String(e?.message ?? e) };
    try {
      parentPort.postMessage({ id, ok: false, error });
    } catch {
      parentPort.postMessage({ id, ok: false, error: { name: 'Error', message: 'unserialisable error' } });
    }
  }
});
parentPort.postMessage({ ready: true });
