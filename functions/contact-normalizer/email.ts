import type { Warning } from './types.ts';

export interface EmailResult {
  email: string | null;
  emailValid: boolean;
  warnings: Warning[];
}

const ATOM = "[\\p{L}\\p{N}!#$%&'*+/=?^_`{|}~-]+";
const LOCAL_PART = new RegExp(`^${ATOM}(?:\\.${ATOM})*$`, 'u');
const DOMAIN_LABEL = /^[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?$/u;
const TOP_LEVEL_DOMAIN = /^(?:\p{L}{2,63}|xn--[a-z0-9-]{1,59})$/u;

/** Frequent misspellings of big consumer mail providers. Only reported, never silently corrected. */
const DOMAIN_TYPOS = new Map([
  ['gmial.com', 'gmail.com'], ['gmal.com', 'gmail.com'], ['gmaill.com', 'gmail.com'], ['gamil.com', 'gmail.com'],
  ['gnail.com', 'gmail.com'], ['gmail.co', 'gmail.com'], ['hotmial.com', 'hotmail.com'], ['hotmal.com', 'hotmail.com'],
  ['homail.com', 'hotmail.com'], ['hotmail.co', 'hotmail.com'], ['hotmial.fr', 'hotmail.fr'], ['hotmal.fr', 'hotmail.fr'],
  ['yahooo.com', 'yahoo.com'], ['yaho.com', 'yahoo.com'], ['yahooo.fr', 'yahoo.fr'], ['yaho.fr', 'yahoo.fr'],
  ['outlok.com', 'outlook.com'], ['outllook.com', 'outlook.com'], ['outlook.co', 'outlook.com'],
  ['orange.ff', 'orange.fr'], ['wanadoo.ff', 'wanadoo.fr'], ['lapost.net', 'laposte.net'],
]);
const TLD_TYPOS = new Map([['con', 'com'], ['cmo', 'com'], ['ocm', 'com'], ['comm', 'com'], ['frr', 'fr']]);

function invalid(email: string, reason: string): EmailResult {
  return { email, emailValid: false, warnings: [{ field: 'email', code: 'EMAIL_INVALID', message: `e-mail "${email}" ${reason}` }] };
}

function validDomain(domain: string): string | undefined {
  const labels = domain.split('.');
  if (labels.length < 2) return 'has no dot in its domain (expected something like "example.fr")';
  if (domain.length > 253) return 'has a domain longer than 253 characters';
  if (!labels.every((label) => DOMAIN_LABEL.test(label))) return 'has an invalid domain';
  if (!TOP_LEVEL_DOMAIN.test(labels.at(-1) ?? '')) return 'has an invalid top-level domain';
  return undefined;
}

/**
 * Cleans an e-mail address: trims it, strips "mailto:" and "Name <...>" wrappers, lower-cases the domain
 * (the part before @ is case-sensitive by standard, so it is kept) and checks the syntax.
 */
export function normalizeEmail(raw: string | null | undefined): EmailResult {
  let text = (raw ?? '').normalize('NFC').trim();
  if (text === '') return { email: null, emailValid: false, warnings: [] };
  const wrapped = /<([^<>]*)>\s*$/.exec(text);
  if (wrapped?.[1] !== undefined) text = wrapped[1].trim();
  text = text.replace(/^mailto:/i, '').trim();

  const at = text.lastIndexOf('@');
  if (at === -1) return invalid(text, 'has no @');
  const local = text.slice(0, at);
  const domain = text.slice(at + 1).toLowerCase().replace(/\.$/, '');
  const email = `${local}@${domain}`;
  if (local === '') return invalid(email, 'has nothing before the @');
  if (domain === '') return invalid(email, 'has nothing after the @');
  if (/\s/u.test(email)) return invalid(email, 'contains spaces');
  if (local.includes('@')) return invalid(email, 'contains more than one @');
  if (local.length > 64) return invalid(email, 'has more than 64 characters before the @');
  if (email.length > 254) return invalid(email, 'is longer than 254 characters');
  if (!LOCAL_PART.test(local)) return invalid(email, 'has invalid characters or dots before the @');
  const domainProblem = validDomain(domain);
  if (domainProblem !== undefined) return invalid(email, domainProblem);

  const warnings: Warning[] = [];
  const tld = domain.slice(domain.lastIndexOf('.') + 1);
  const suggestion =
    DOMAIN_TYPOS.get(domain) ??
    (TLD_TYPOS.has(tld) ? `${domain.slice(0, domain.length - tld.length)}${TLD_TYPOS.get(tld) ?? ''}` : undefined);
  if (suggestion !== undefined) {
    warnings.push({
      field: 'email',
      code: 'EMAIL_DOMAIN_TYPO',
      message: `domain "${domain}" looks like a typo: did you mean "${suggestion}"?`,
    });
  }
  return { email, emailValid: true, warnings };
}
