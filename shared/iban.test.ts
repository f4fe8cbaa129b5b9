import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkIban, computeCheckDigits, formatIbanPrint, IBAN_COUNTRIES, ibanCountryName, ibanLength, mod97, normalizeIban } from './iban.ts';
import { REGISTRY } from './iban-registry.ts';

describe('checking an IBAN', () => {
  it.each([
    // examples of the SWIFT IBAN Registry, one per SEPA country we pay most
    ['FR1420041010050500013M02606', 'FR'],
    ['DE89370400440532013000', 'DE'],
    ['BE68539007547034', 'BE'],
    ['NL91ABNA0417164300', 'NL'],
    ['ES9121000418450200051332', 'ES'],
    ['IT60X0542811101000000123456', 'IT'],
    ['GR1601101250000000012300695', 'GR'],
    ['AT611904300234573201', 'AT'],
    ['PT50000201231234567890154', 'PT'],
    ['FI2112345600000785', 'FI'],
    ['IE29AIBK93115212345678', 'IE'],
    ['CH9300762011623852957', 'CH'],
    ['GB29NWBK60161331926819', 'GB'],
    ['NO9386011117947', 'NO'],
    ['MT84MALT011000012345MTLCAST001S', 'MT'],
  ])('accepts %s from %s', (iban, country) => {
    expect(checkIban(iban)).toEqual({ ok: true, iban, country });
  });

  it('gives the electronic format whatever spaces, hyphens, case or "IBAN" label it was typed with', () => {
    expect(checkIban(' iban fr76-3000 6000\t0112 3456\u00a07890 189 ')).toEqual({ ok: true, iban: 'FR7630006000011234567890189', country: 'FR' });
  });

  it.each([
    ['DE89 3704 0044 0532 0130 01', 'bad_checksum', /typo/], // last digit mistyped
    ['GB29 NWBK 6016 1331 9268 91', 'bad_checksum', /typo/], // two digits swapped
    ['FR76 3000 6000 0112 3456 7890 18', 'wrong_length', /France has 27 characters; this one has 26/],
    ['BE68 5390 0754 7034 1', 'wrong_length', /Belgium has 16 characters; this one has 17/],
    ['US64 SVBK US6S 3300 9673 86', 'unknown_country', /"US" is not a country that issues IBANs/],
    ['7630006000011234567890189', 'unknown_country', /two-letter country code/],
    ['', 'unknown_country', /two-letter country code/],
    ['FR76.3000.6000.0112.3456.7890.189', 'bad_characters', /only contain the letters A-Z and digits/],
    ['DEXX370400440532013000', 'bad_characters', /check digits\) must be digits/],
    ['NL56 3003 0A17 1643 00', 'bad_characters', /Netherlands must be 4 letters, 10 digits/],
  ] as const)('rejects %s: %s', (text, code, reason) => {
    const check = checkIban(text);
    expect(check).toMatchObject({ ok: false, code });
    expect(check.ok ? '' : check.reason).toMatch(reason);
  });

  it('rejects the never-issued check digits 00, 01 and 99, even where the remainder works out', () => {
    // 01 and 98 leave the same remainder: find an account whose check digits are 98.
    const bbanOf = (account: number) => `37040044${String(account).padStart(10, '0')}`;
    let account = 0;
    while (computeCheckDigits('DE', bbanOf(account)) !== '98') account++;
    const bban = bbanOf(account);
    expect(checkIban(`DE98${bban}`).ok).toBe(true);
    for (const digits of ['00', '01', '99']) expect(checkIban(`DE${digits}${bban}`)).toMatchObject({ ok: false, code: 'bad_checksum' });
  });

  it('knows the length and name of each country of the registry', () => {
    expect(IBAN_COUNTRIES).toHaveLength(Object.keys(REGISTRY).length);
    expect([ibanLength('FR'), ibanLength('DE'), ibanLength('NO'), ibanLength('MT'), ibanLength('US')]).toEqual([27, 22, 15, 31, undefined]);
    expect([ibanCountryName('GR'), ibanCountryName('XX')]).toEqual(['Greece', undefined]);
  });
});

describe('print format', () => {
  it.each([
    ['FR7630006000011234567890189', 'FR76 3000 6000 0112 3456 7890 189'],
    ['BE68539007547034', 'BE68 5390 0754 7034'], // a multiple of four: no trailing space
    ['NO9386011117947', 'NO93 8601 1117 947'],
    ['', ''],
  ])('prints %s as "%s"', (iban, printed) => {
    expect(formatIbanPrint(iban)).toBe(printed);
  });

  it('is groups of four that read back as the same IBAN', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'), maxLength: 34 }), (iban) => {
        const printed = formatIbanPrint(iban);
        expect(printed.split(' ').every((group, i, all) => group.length === 4 || (i === all.length - 1 && group.length <= 4))).toBe(true);
        expect(normalizeIban(printed)).toBe(iban.startsWith('IBAN') ? iban.slice(4) : iban);
      }),
    );
  });
});

// Check digits computed independently with BigInt, the way ISO 13616 states the algorithm.
function bigIntCheckDigits(country: string, bban: string): string {
  const numeric = `${bban}${country}00`.replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
  return String(98n - (BigInt(numeric) % 97n)).padStart(2, '0');
}

const CHARS = { n: '0123456789', a: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', c: '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ' };

const validIban = fc.constantFrom(...Object.keys(REGISTRY)).chain((country) => {
  const parts = [...(REGISTRY[country]?.[1] ?? '').matchAll(/(\d+)!?([nac])/g)].map(([, count, kind]) =>
    fc.string({ unit: fc.constantFrom(...CHARS[kind as keyof typeof CHARS]), minLength: Number(count), maxLength: Number(count) }),
  );
  return fc.tuple(...parts).map((chunks) => {
    const bban = chunks.join('');
    return `${country}${bigIntCheckDigits(country, bban)}${bban}`;
  });
});

describe('check digits', () => {
  it('accepts every IBAN that follows its country format with ISO 13616 check digits', () => {
    fc.assert(
      fc.property(validIban, (iban) => {
        fc.pre(!['00', '01', '99'].includes(iban.slice(2, 4)));
        expect(checkIban(iban)).toEqual({ ok: true, iban, country: iban.slice(0, 2) });
      }),
      { numRuns: 500 },
    );
  });

  it('rejects every such IBAN with one digit of its account changed', () => {
    fc.assert(
      fc.property(validIban, fc.nat(), fc.integer({ min: 1, max: 9 }), (iban, pick, delta) => {
        const digits = [...iban].flatMap((c, i) => (i >= 4 && /[0-9]/.test(c) ? [i] : []));
        fc.pre(digits.length > 0);
        const i = digits[pick % digits.length] ?? 0;
        const mutated = iban.slice(0, i) + String((Number(iban[i]) + delta) % 10) + iban.slice(i + 1);
        expect(checkIban(mutated)).toMatchObject({ ok: false, code: 'bad_checksum' });
      }),
      { numRuns: 500 },
    );
  });

  it('computes MOD 97-10 without overflowing on 34 characters, and refuses other characters', () => {
    const long = 'LC55HEMM000100010012001200023015'.repeat(3);
    const numeric = long.replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
    expect(mod97(long)).toBe(Number(BigInt(numeric) % 97n));
    expect(mod97('FR76 3000')).toBe(-1);
  });
});
