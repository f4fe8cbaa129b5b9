import { MIN_PASSWORD_LENGTH } from '../../shared/accounts.ts';
// A published list, not a hand-made one: see common-passwords.LICENSE.txt for where it comes from.
import list from './common-passwords.json' with { type: 'json' };

/**
 * The passwords attackers try first, for the console's password rule. Only those at least as long
 * as the minimum are kept: shorter ones are refused by length already. The list is lowercase;
 * `checkPassword` compares the password in `commonPasswordForm` (NFKC, trimmed, lowercase).
 */
const COMMON: ReadonlySet<string> = new Set((list as string[]).filter((p) => [...p].length >= MIN_PASSWORD_LENGTH));

export function isCommonPassword(commonForm: string): boolean {
  return COMMON.has(commonForm);
}

/** How many listed passwords could pass the length rule (for tests and the decision record). */
export const COMMON_PASSWORDS_AT_MIN_LENGTH = COMMON.size;
