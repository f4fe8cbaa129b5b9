/**
 * IBAN formats per country, from the SWIFT IBAN Registry (ISO 13616): the table `checkIban`
 * (shared/iban.ts) reads the length and BBAN format from. Data only, so that a registry update is
 * a one-line diff reviewed on its own.
 *
 * Each entry is the country name and the BBAN structure in registry notation:
 * `4!n` = exactly 4 digits, `4!a` = exactly 4 upper-case letters,
 * `4!c` = exactly 4 letters or digits. The full IBAN length is the BBAN length
 * plus 4 (country code and check digits).
 *
 * Territories that use another country's prefix (e.g. Åland uses FI, Jersey
 * uses GB, the French overseas departments use FR) are covered by that prefix.
 */
export const REGISTRY: Readonly<Record<string, readonly [name: string, bban: string]>> = {
  AD: ['Andorra', '4!n4!n12!c'],
  AE: ['United Arab Emirates', '3!n16!n'],
  AL: ['Albania', '8!n16!c'],
  AT: ['Austria', '5!n11!n'],
  AZ: ['Azerbaijan', '4!a20!c'],
  BA: ['Bosnia and Herzegovina', '3!n3!n8!n2!n'],
  BE: ['Belgium', '3!n7!n2!n'],
  BG: ['Bulgaria', '4!a4!n2!n8!c'],
  BH: ['Bahrain', '4!a14!c'],
  BI: ['Burundi', '5!n5!n11!n2!n'],
  BR: ['Brazil', '8!n5!n10!n1!a1!c'],
  BY: ['Belarus', '4!c4!n16!c'],
  CH: ['Switzerland', '5!n12!c'],
  CR: ['Costa Rica', '4!n14!n'],
  CY: ['Cyprus', '3!n5!n16!c'],
  CZ: ['Czechia', '4!n6!n10!n'],
  DE: ['Germany', '8!n10!n'],
  DJ: ['Djibouti', '5!n5!n11!n2!n'],
  DK: ['Denmark', '4!n9!n1!n'],
  DO: ['Dominican Republic', '4!c20!n'],
  EE: ['Estonia', '2!n14!n'],
  EG: ['Egypt', '4!n4!n17!n'],
  ES: ['Spain', '4!n4!n1!n1!n10!n'],
  FI: ['Finland', '3!n11!n'],
  FK: ['Falkland Islands', '2!a12!n'],
  FO: ['Faroe Islands', '4!n9!n1!n'],
  FR: ['France', '5!n5!n11!c2!n'],
  GB: ['United Kingdom', '4!a6!n8!n'],
  GE: ['Georgia', '2!a16!n'],
  GI: ['Gibraltar', '4!a15!c'],
  GL: ['Greenland', '4!n9!n1!n'],
  GR: ['Greece', '3!n4!n16!c'],
  GT: ['Guatemala', '4!c20!c'],
  HN: ['Honduras', '4!a20!n'],
  HR: ['Croatia', '7!n10!n'],
  HU: ['Hungary', '3!n4!n1!n15!n1!n'],
  IE: ['Ireland', '4!a6!n8!n'],
  IL: ['Israel', '3!n3!n13!n'],
  IQ: ['Iraq', '4!a3!n12!n'],
  IS: ['Iceland', '4!n2!n6!n10!n'],
  IT: ['Italy', '1!a5!n5!n12!c'],
  JO: ['Jordan', '4!a4!n18!c'],
  KW: ['Kuwait', '4!a22!c'],
  KZ: ['Kazakhstan', '3!n13!c'],
  LB: ['Lebanon', '4!n20!c'],
  LC: ['Saint Lucia', '4!a24!c'],
  LI: ['Liechtenstein', '5!n12!c'],
  LT: ['Lithuania', '5!n11!n'],
  LU: ['Luxembourg', '3!n13!c'],
  LV: ['Latvia', '4!a13!c'],
  LY: ['Libya', '3!n3!n15!n'],
  MC: ['Monaco', '5!n5!n11!c2!n'],
  MD: ['Moldova', '2!c18!c'],
  ME: ['Montenegro', '3!n13!n2!n'],
  MK: ['North Macedonia', '3!n10!c2!n'],
  MN: ['Mongolia', '4!n12!n'],
  MR: ['Mauritania', '5!n5!n11!n2!n'],
  MT: ['Malta', '4!a5!n18!c'],
  MU: ['Mauritius', '4!a2!n2!n12!n3!n3!a'],
  NI: ['Nicaragua', '4!a20!n'],
  NL: ['Netherlands', '4!a10!n'],
  NO: ['Norway', '4!n6!n1!n'],
  OM: ['Oman', '3!n16!c'],
  PK: ['Pakistan', '4!a16!c'],
  PL: ['Poland', '8!n16!n'],
  PS: ['Palestine', '4!a21!c'],
  PT: ['Portugal', '4!n4!n11!n2!n'],
  QA: ['Qatar', '4!a21!c'],
  RO: ['Romania', '4!a16!c'],
  RS: ['Serbia', '3!n13!n2!n'],
  RU: ['Russia', '9!n5!n15!c'],
  SA: ['Saudi Arabia', '2!n18!c'],
  SC: ['Seychelles', '4!a2!n2!n16!n3!a'],
  SD: ['Sudan', '2!n12!n'],
  SE: ['Sweden', '3!n16!n1!n'],
  SI: ['Slovenia', '5!n8!n2!n'],
  SK: ['Slovakia', '4!n6!n10!n'],
  SM: ['San Marino', '1!a5!n5!n12!c'],
  SO: ['Somalia', '4!n3!n12!n'],
  ST: ['Sao Tome and Principe', '8!n11!n2!n'],
  SV: ['El Salvador', '4!a20!n'],
  TL: ['Timor-Leste', '3!n14!n2!n'],
  TN: ['Tunisia', '2!n3!n13!n2!n'],
  TR: ['Türkiye', '5!n1!n16!c'],
  UA: ['Ukraine', '6!n19!c'],
  VA: ['Vatican City State', '3!n15!n'],
  VG: ['British Virgin Islands', '4!a16!n'],
  XK: ['Kosovo', '4!n10!n2!n'],
  YE: ['Yemen', '4!a4!n18!c'],
};

/**
 * Where the bank (and branch) identifiers sit inside the BBAN, as
 * [start, end) offsets. Only for countries where the registry defines them
 * as a fixed, commonly used code.
 */
export const BANK_FIELDS: Readonly<
  Record<string, { bankCode: readonly [number, number]; branchCode?: readonly [number, number] }>
> = {
  AT: { bankCode: [0, 5] }, // Bankleitzahl
  BE: { bankCode: [0, 3] }, // bank protocol number
  CH: { bankCode: [0, 5] }, // IID / BC-Nummer
  DE: { bankCode: [0, 8] }, // Bankleitzahl (BLZ)
  ES: { bankCode: [0, 4], branchCode: [4, 8] }, // entidad, oficina
  FR: { bankCode: [0, 5], branchCode: [5, 10] }, // code banque, code guichet
  GB: { bankCode: [0, 4], branchCode: [4, 10] }, // bank, sort code
  IE: { bankCode: [0, 4], branchCode: [4, 10] }, // bank, sort code
  IT: { bankCode: [1, 6], branchCode: [6, 11] }, // ABI, CAB (after the CIN letter)
  LI: { bankCode: [0, 5] },
  LU: { bankCode: [0, 3] },
  MC: { bankCode: [0, 5], branchCode: [5, 10] },
  NL: { bankCode: [0, 4] }, // first four letters of the BIC
  PT: { bankCode: [0, 4], branchCode: [4, 8] },
  SM: { bankCode: [1, 6], branchCode: [6, 11] },
};
