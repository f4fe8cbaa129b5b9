import { MoneyError, parseDecimalMicros } from '../../shared/money.ts';
import { DEFAULT_POLICY, type StatementPolicy } from '../../shared/statement.ts';
import { DomainError } from '../../shared/errors.ts';

/** The statement policy in the configuration is not one. */
export class PolicyError extends DomainError {
  override readonly name = 'PolicyError';
  constructor(message: string) {
    super('invalid_request', message);
  }
}

/**
 * The statement policy from the platform config: FAASCAPE_DEVELOPER_SHARE_PERCENT (default 70,
 * at most 2 decimals) and FAASCAPE_MINIMUM_PAYOUT in EUR (default 10). Every problem at once.
 */
export function readPolicy(env: NodeJS.ProcessEnv): StatementPolicy {
  const problems: string[] = [];
  let developerShareBps = DEFAULT_POLICY.developerShareBps;
  const share = env.FAASCAPE_DEVELOPER_SHARE_PERCENT;
  if (share !== undefined && share !== '') {
    const m = /^(\d{1,3})(?:\.(\d{1,2}))?$/.exec(share);
    const bps = m ? Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0')) : NaN;
    if (!m || bps > 10_000) problems.push(`FAASCAPE_DEVELOPER_SHARE_PERCENT must be a percentage 0-100 with at most 2 decimals, got "${share}"`);
    else developerShareBps = bps;
  }
  let minimumPayoutMicros = DEFAULT_POLICY.minimumPayoutMicros;
  const min = env.FAASCAPE_MINIMUM_PAYOUT;
  if (min !== undefined && min !== '') {
    try {
      minimumPayoutMicros = Number(parseDecimalMicros(min));
    } catch (e) {
      if (!(e instanceof MoneyError)) throw e;
      problems.push(`FAASCAPE_MINIMUM_PAYOUT must be an amount in EUR such as "10" or "12.50", got "${min}"`);
    }
  }
  if (problems.length) throw new PolicyError(problems.join('; '));
  return { developerShareBps, minimumPayoutMicros };
}
