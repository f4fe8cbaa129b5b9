/**
 * Runs tasks with at most `limit` in flight; rejects with the first failure once all settled.
 * Writes of one apply must not all queue on the client's sockets at once: they would time out
 * waiting for a socket and fail the whole unit. Every task runs even after one failed, so that a
 * retry has less left to do and one bad item never hides the others' errors.
 */
export async function runLimited(tasks: (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (next < tasks.length) {
      const task = tasks[next++] as () => Promise<void>;
      try {
        await task();
      } catch (e) {
        failure ??= e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  if (failure !== undefined) throw failure;
}
