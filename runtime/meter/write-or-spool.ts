import { describeError, type Logger } from '../logger.ts';

export type Durability = 'stored' | 'spooled' | 'logged';

/**
 * The meter's one rule for a usage write, whatever the store and the spool are (the local meter's
 * batch commit and file spool, the Lambda meter's lane PutItem and SQS): write it; if that fails,
 * spool it; if that fails too, log it whole, so that an operator can replay it from the log even
 * if the process dies next. Never throws: an accepted call is never answered with a metering error.
 */
export async function writeOrSpool<T>(
  item: T,
  write: (item: T) => Promise<void>,
  spool: (item: T) => Promise<void>,
  logger: Logger,
  what: { spooled: string; lost: string; id: string },
): Promise<Durability> {
  let first: unknown;
  try {
    await write(item);
    return 'stored';
  } catch (e) {
    first = e;
  }
  try {
    await spool(item);
    logger.warn(what.spooled, { error: describeError(first), id: what.id });
    return 'spooled';
  } catch (e) {
    logger.error(what.lost, { error: `${describeError(first)}; ${describeError(e)}`, item });
    return 'logged';
  }
}
