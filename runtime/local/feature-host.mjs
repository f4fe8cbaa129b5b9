// Runs one feature in its own OS process, one invocation at a time, like a Lambda execution
// environment: the bundle is imported once (the cold start), then reused while warm. The process
// is started by runtime/local/process-pool.ts under Node's permission model (read: this file and
// the feature's bundle; write: its private tmp dir; no child processes, workers, addons or WASI)
// with a Lambda-like environment. Plain JavaScript, no loader: a cold start stays a cold start.
import module from 'node:module';
import os from 'node:os';
import { format } from 'node:util';

const [modulePath, functionName, memoryMb, version] = process.argv.slice(2);
if (!process.send || !modulePath) {
  console.error('usage: feature-host <bundle url> <name> <memory MB> <version>  (started by the platform with an IPC channel)');
  process.exit(2);
}
process.on('disconnect', () => process.exit(0));

// The permission model does not cover signals or scheduling: same-user processes (the platform, its
// store, other features) could be killed or reniced. Only this process may be signalled from here.
// For setPriority, pid 0 is this process; for kill, 0 and negative pids are process groups (the
// platform's own among them), so kill accepts this process's own pid only.
const ownPid = (pid) => pid === 0 || pid === process.pid;
const denied = (what) => Object.assign(new Error(`Access to this API has been restricted: ${what}`), { code: 'ERR_ACCESS_DENIED' });
const kill = process.kill.bind(process);
process.kill = (pid, signal) => {
  if (Number(pid) !== process.pid) throw denied('process.kill of another process or process group');
  return kill(pid, signal);
};
delete process._kill;
const setPriority = os.setPriority;
os.setPriority = (pid, priority) => {
  if (priority === undefined) return setPriority(pid);
  if (!ownPid(Number(pid))) throw denied('os.setPriority of another process');
  return setPriority(pid, priority);
};
module.syncBuiltinESMExports();

const send = (message) => new Promise((resolve) => process.send(message, undefined, undefined, () => resolve()));

// Every line the feature writes goes to the platform over the IPC channel, tagged with the call it
// belongs to: one call at a time per process, and the channel keeps the lines in order with the
// call's result (a pipe would not). The platform labels, stores and shows them.
let current;
const log = (level, text) => {
  try {
    process.send({ log: { level, invocationId: current, message: text } });
  } catch {
    // the platform is gone; nothing to tell
  }
};
for (const [method, level] of [['log', 'info'], ['info', 'info'], ['debug', 'debug'], ['warn', 'warn'], ['error', 'error'], ['trace', 'debug']]) {
  console[method] = (...args) => log(level, format(...args));
}
const writer = (level) => (chunk, encoding, callback) => {
  log(level, String(chunk).replace(/\n$/, ''));
  const cb = typeof encoding === 'function' ? encoding : callback;
  if (typeof cb === 'function') cb();
  return true;
};
process.stdout.write = writer('info');
process.stderr.write = writer('error');
const describe = (e) => ({ name: String(e?.name ?? 'Error'), message: String(e?.message ?? e), ...(typeof e?.stack === 'string' ? { stack: e.stack } : {}) });
// A throw outside the handler's promise (a timer, an event) ends the process, as in Lambda; its
// stack reaches the developer's log first.
process.on('uncaughtException', (e) => {
  process.send({ crash: { invocationId: current, ...describe(e) } }, undefined, undefined, () => process.exit(1));
});

let handler;
try {
  const mod = await import(modulePath);
  handler = typeof mod.handler === 'function' ? mod.handler : mod.default?.handler;
  if (typeof handler !== 'function') throw new TypeError(`${functionName} does not export a handler function`);
} catch (e) {
  await send({ ready: false, error: `${e?.name ?? 'Error'}: ${e?.message ?? String(e)}`, stack: typeof e?.stack === 'string' ? e.stack : undefined });
  process.exit(1);
}

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

process.on('message', async ({ id, event, timeoutMs }) => {
  current = id;
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
    try {
      process.send({ id, ok: true, result });
    } catch {
      // A result that cannot cross the process boundary (a function, a symbol) is no HTTP answer.
      process.send({ id, ok: false, error: { name: 'TypeError', message: 'the handler returned a value that is not serialisable' } });
    }
  } catch (e) {
    process.send({ id, ok: false, error: describe(e) });
  } finally {
    if (current === id) current = undefined;
  }
});
await send({ ready: true });
