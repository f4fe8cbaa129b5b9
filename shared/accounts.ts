/**
 * Console accounts: who may sign in and what they may see. One role per account, linked to the
 * one client or developer whose figures it reads (finance reads everything). Pure rules only.
 */
import { DomainError } from './errors.ts';

export type Role = 'client' | 'developer' | 'finance';

export const ROLES: readonly Role[] = ['client', 'developer', 'finance'];

export interface Account {
  email: string;
  role: Role;
  clientId?: string;
  developerId?: string;
  createdAt: number;
  /** set when the operator disabled the account: no sign-in, no session */
  disabledAt?: number;
}

export class AccountError extends DomainError {
  override readonly name = 'AccountError';
  constructor(message: string) {
    super('invalid_request', message);
  }
}

/** Passphrases beat composition rules (NIST SP 800-63B): a length floor and a sane ceiling. */
export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 256;

const EMAIL = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]{2,}$/;

/** E-mail addresses compare case-insensitively and without surrounding spaces. */
export function normalizeEmail(raw: string): string {
  const email = raw.trim().toLowerCase();
  if (email.length > 254 || !EMAIL.test(email)) throw new AccountError(`"${raw}" is not an e-mail address`);
  return email;
}

/** How a password is compared with a list of common passwords: case and compatibility forms ignored. */
export function commonPasswordForm(password: string): string {
  return password.normalize('NFKC').trim().toLowerCase();
}

/**
 * A length floor, a ceiling, and not one of the passwords attackers try first (NIST SP 800-63B
 * asks for a check against a list of commonly used or breached values). `isCommon` gets the
 * password in `commonPasswordForm`; the list itself is data, kept out of this pure module.
 */
export function checkPassword(password: string, isCommon: (commonForm: string) => boolean): void {
  const length = [...password].length;
  if (length < MIN_PASSWORD_LENGTH) throw new AccountError(`the password must have at least ${MIN_PASSWORD_LENGTH} characters`);
  if (length > MAX_PASSWORD_LENGTH) throw new AccountError(`the password must have at most ${MAX_PASSWORD_LENGTH} characters`);
  if (isCommon(commonPasswordForm(password))) {
    throw new AccountError('this password is one of the most common passwords, the first ones an attacker tries; choose another (a few unrelated words make a good one)');
  }
}

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** A role and exactly the link it needs: client → clientId, developer → developerId, finance → none. */
export function checkLink(role: Role, link: { clientId?: string | undefined; developerId?: string | undefined }): { clientId?: string; developerId?: string } {
  if (role === 'client') {
    if (!link.clientId) throw new AccountError('a client account needs --client <clientId>');
    if (link.developerId) throw new AccountError('a client account cannot also be a developer');
    return { clientId: link.clientId };
  }
  if (role === 'developer') {
    if (!link.developerId) throw new AccountError('a developer account needs --developer <developerId>');
    if (link.clientId) throw new AccountError('a developer account cannot also be a client');
    return { developerId: link.developerId };
  }
  if (link.clientId || link.developerId) throw new AccountError('a finance account reads every statement: it takes no --client or --developer');
  return {};
}

/**
 * Fixed-window counters of failed sign-ins: per e-mail and source address, SIGN_IN_MAX_FAILURES;
 * per e-mail from every source together, SIGN_IN_MAX_ACCOUNT_FAILURES. Past either, sign-in from
 * there is refused until the window ends, whatever the password. Each attempt reserves its slots
 * before its password is checked (and gives them back when the password was right), so concurrent
 * guesses cannot check more passwords than that. Per source, so that one stranger's five wrong
 * guesses do not lock the account's owner out (a review found anyone could keep any account,
 * finance included, out of password sign-in); the account's own ceiling still bounds guesses
 * spread over many addresses (an IPv6 source counts by its /64).
 */
export const SIGN_IN_WINDOW_MS = 15 * 60_000;
export const SIGN_IN_MAX_FAILURES = 5;
export const SIGN_IN_MAX_ACCOUNT_FAILURES = 20;

/** Whose guesses count together: an IPv4 address, an IPv6 /64 (one host gets a whole /64), or "-" when unknown. */
export function signInSource(sourceIp: string | undefined): string {
  if (!sourceIp) return '-';
  const ip = sourceIp.toLowerCase().replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
  if (!ip.includes(':')) return ip;
  // Expand "::" so that the first four groups are the /64.
  const [head = '', tail = ''] = ip.split('::');
  const left = head ? head.split(':') : [];
  const right = ip.includes('::') ? (tail ? tail.split(':') : []) : [];
  const groups = ip.includes('::') ? [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

export function signInWindow(nowMs: number): number {
  return Math.floor(nowMs / SIGN_IN_WINDOW_MS);
}

export function retryAfterSeconds(nowMs: number): number {
  return Math.max(1, Math.ceil(((signInWindow(nowMs) + 1) * SIGN_IN_WINDOW_MS - nowMs) / 1000));
}
