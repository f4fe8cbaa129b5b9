import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EU_COUNTRIES } from './vat.ts';
import { checkVatNumber, splitVatNumber, VAT_PREFIXES, VAT_RULES } from './vat-number.ts';

// Real VAT numbers of businesses (as printed on their invoices; python-stdnum's corpus and the
// examples national administrations publish), written the way people write them.
const VALID = [
  // text, normalised, ISO country, checksum
  ['ATU13585627', 'ATU13585627', 'AT', 'valid'],
  ['BE 0202.239.951', 'BE0202239951', 'BE', 'valid'],
  ['BE 444.503.092', 'BE0444503092', 'BE', 'valid'], // the old 9-digit form, leading 0 restored
  ['BG 175074752', 'BG175074752', 'BG', 'not_checked'],
  ['CY-10259033P', 'CY10259033P', 'CY', 'valid'],
  ['CZ 25123891', 'CZ25123891', 'CZ', 'not_checked'],
  ['DE 136 695 976', 'DE136695976', 'DE', 'valid'],
  ['DK 13 58 56 28', 'DK13585628', 'DK', 'valid'],
  ['EE 100594102', 'EE100594102', 'EE', 'valid'],
  ['EL 094012834', 'EL094012834', 'GR', 'valid'],
  ['el-082857563', 'EL082857563', 'GR', 'valid'],
  ['GR094012834', 'EL094012834', 'GR', 'valid'], // the ISO code written instead of the VAT prefix
  ['EL 94051189', 'EL094051189', 'GR', 'valid'], // old 8-digit tax number, leading 0 restored
  ['ES A-28184661', 'ESA28184661', 'ES', 'valid'],
  ['ES X-5253868-R', 'ESX5253868R', 'ES', 'valid'],
  ['FI 0982651-1', 'FI09826511', 'FI', 'valid'],
  ['FR 40 303 265 045', 'FR40303265045', 'FR', 'valid'],
  ['FR4Z123456782', 'FR4Z123456782', 'FR', 'valid'], // an alphanumeric key
  ['HR33392005961', 'HR33392005961', 'HR', 'valid'],
  ['HU-12892312', 'HU12892312', 'HU', 'valid'],
  ['IE 6433435F', 'IE6433435F', 'IE', 'valid'],
  ['IE6433435OA', 'IE6433435OA', 'IE', 'valid'],
  ['IT 00743110157', 'IT00743110157', 'IT', 'valid'],
  ['LT 119511515', 'LT119511515', 'LT', 'not_checked'],
  ['LU 150 274 42', 'LU15027442', 'LU', 'valid'],
  ['LV 40003189718', 'LV40003189718', 'LV', 'not_checked'],
  ['MT 1167-9112', 'MT11679112', 'MT', 'valid'],
  ['NL.8143.26.584.B.01', 'NL814326584B01', 'NL', 'valid'],
  ['NL4495445B01', 'NL004495445B01', 'NL', 'valid'], // leading zeros restored
  ['NL002455799B11', 'NL002455799B11', 'NL', 'valid'], // a sole trader's number since 2020 (MOD 97-10)
  ['PL 584-030-44-72', 'PL5840304472', 'PL', 'valid'],
  ['PT 501 964 843', 'PT501964843', 'PT', 'valid'],
  ['RO 185 472 90', 'RO18547290', 'RO', 'valid'],
  ['SE-556666-4438-01', 'SE556666443801', 'SE', 'valid'],
  ['SI 50223054', 'SI50223054', 'SI', 'valid'],
  ['SK 2022193459', 'SK2022193459', 'SK', 'valid'],
  // Northern Ireland: in VIES for goods, but the United Kingdom for the services Faascape sells
  ['XI 980780684', 'XI980780684', 'GB', 'not_checked'],
] as const;

describe('checking an EU VAT number', () => {
  it.each(VALID)('accepts %s as %s (%s, checksum %s)', (text, vatNumber, country, checksum) => {
    expect(checkVatNumber(text)).toEqual({ ok: true, vatNumber, country, checksum });
  });

  it.each([
    // a single-digit typo of each valid number above, for every country with a checksum
    'ATU13585628', 'BE0403170702', 'CY10259033Q', 'DE136695977', 'DK13585629', 'EE100594103', 'EL094012835',
    'GR094012835', 'ESA28184662', 'FI20774741', 'FR40303265046', 'FR41303265045', 'HR33392005962', 'HU10672102',
    'IE6433435G', 'IT00743110158', 'LU15027443', 'MT11679113', 'NL004495446B01', 'PL8567346216', 'PT501964844',
    'RO18547291', 'SE556058115901', 'SI50223055', 'SK2022193458',
  ])('rejects %s: its check digits do not match', (text) => {
    expect(checkVatNumber(text)).toEqual({ ok: false, code: 'bad_checksum', reason: 'The check digits do not match: there is probably a typo in this VAT number.' });
  });

  it.each([
    ['DE13669597', 'A VAT number from Germany is DE followed by 9 digits.'],
    ['ATX13585627', 'A VAT number from Austria is AT followed by U and 8 digits.'],
    ['EL0940128345', 'A VAT number from Greece is EL followed by 9 digits.'],
    ['NL004495445C01', 'A VAT number from Netherlands is NL followed by 9 digits, the letter B and 2 digits (e.g. 123456789B01).'],
    ['SE556058115802', 'A VAT number from Sweden is SE followed by 12 digits ending in 01.'],
    ['IT0074311015X', 'A VAT number from Italy is IT followed by 11 digits.'],
  ])('rejects %s: "%s"', (text, reason) => {
    expect(checkVatNumber(text)).toEqual({ ok: false, code: 'bad_format', reason });
  });

  it.each([
    ['GB980780684', '"GB" is not an EU VAT country prefix (use EL for Greece, XI for Northern Ireland).'],
    ['CHE-116.281.710', '"CH" is not an EU VAT country prefix (use EL for Greece, XI for Northern Ireland).'],
    ['303265045', 'A VAT number must start with its two-letter country prefix, e.g. "FR" or "DE".'],
    ['', 'A VAT number must start with its two-letter country prefix, e.g. "FR" or "DE".'],
  ])('rejects %s: "%s"', (text, reason) => {
    expect(checkVatNumber(text)).toEqual({ ok: false, code: 'unknown_country', reason });
  });

  it('has a rule, and a country that VAT treatment knows, for every member state', () => {
    for (const iso of EU_COUNTRIES) expect([iso, VAT_RULES[iso === 'GR' ? 'EL' : iso]?.name]).toEqual([iso, expect.any(String)]);
    expect(VAT_PREFIXES).toHaveLength(EU_COUNTRIES.size + 1); // and XI
    // and the examples above cover each of them, as the country shared/vat.ts decides reverse charge on
    const countries = new Set(
      VALID.map(([text]) => {
        const check = checkVatNumber(text);
        return check.ok ? check.country : text;
      }),
    );
    expect([...countries].filter((c) => c !== 'GB').sort()).toEqual([...EU_COUNTRIES].sort());
  });

  it('checks the national check digits of the largest economies', () => {
    for (const prefix of ['FR', 'DE', 'IT', 'ES', 'NL', 'BE', 'AT', 'EL', 'PL', 'PT', 'SE', 'IE']) expect([prefix, typeof VAT_RULES[prefix]?.checksum]).toEqual([prefix, 'function']);
  });

  it('splits a number into its prefix and national part before judging it', () => {
    expect(splitVatNumber('gr 94051189')).toMatchObject({ known: true, prefix: 'EL', national: '094051189' });
    expect(splitVatNumber('US 12-3456789')).toEqual({ known: false, compact: 'US123456789', prefix: 'US' });
    expect(splitVatNumber('12')).toEqual({ known: false, compact: '12', prefix: null });
  });
});

describe('VAT number properties', () => {
  const siren = fc.integer({ min: 0, max: 999_999_999 }).map((n) => String(n).padStart(9, '0'));
  // The French key, computed apart with BigInt: (12 + 3 × (SIREN mod 97)) mod 97 = (SIREN·100 + 12) mod 97.
  const keyOf = (s: string): string => String(BigInt(`${s}12`) % 97n).padStart(2, '0');

  it('accepts a SIREN with its key, and rejects it with any other', () => {
    fc.assert(
      fc.property(siren, fc.integer({ min: 0, max: 99 }), (s, other) => {
        expect(checkVatNumber(`FR${keyOf(s)}${s}`)).toMatchObject({ ok: true, vatNumber: `FR${keyOf(s)}${s}`, country: 'FR' });
        fc.pre(String(other).padStart(2, '0') !== keyOf(s));
        expect(checkVatNumber(`FR${String(other).padStart(2, '0')}${s}`)).toMatchObject({ ok: false, code: 'bad_checksum' });
      }),
      { numRuns: 500 },
    );
  });

  it('gives the same answer whatever spaces, dots, hyphens and case the number is written with', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...VALID.map(([, vatNumber]) => vatNumber)),
        fc.array(fc.tuple(fc.nat(), fc.constantFrom(' ', '.', '-', ' - ', '\u00a0')), { maxLength: 5 }),
        fc.boolean(),
        (vatNumber, inserts, lower) => {
          let messy = vatNumber;
          for (const [at, separator] of inserts) {
            const i = at % (messy.length + 1);
            messy = messy.slice(0, i) + separator + messy.slice(i);
          }
          expect(checkVatNumber(lower ? messy.toLowerCase() : messy)).toEqual(checkVatNumber(vatNumber));
        },
      ),
    );
  });
});
