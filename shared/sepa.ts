/**
 * The SEPA Credit Transfer file that pays developers (issue #16): ISO 20022 customer credit
 * transfer initiation, `pain.001.001.09`, as the EPC implementation guidelines (EPC132-08) restrict
 * it. One file is one payment run: one debit of the operator's account (one PmtInf, batch booked,
 * so the operator's statement shows one line per run) and one credit per transfer, in the order
 * given. Pure: the creation time is given, never read from a clock, so the same run always gives
 * the same bytes (invariant 3) and a file sent twice can be recognised by its MsgId.
 *
 * Everything a bank would reject is refused here, before the file exists, with the field named:
 * a file the bank rejects is found days later, and a single bad line can sink the whole batch.
 */
import { XMLBuilder } from 'fast-xml-parser';
import { DomainError } from './errors.ts';
import { checkIban } from './iban.ts';

export const PAIN_001_NAMESPACE = 'urn:iso:std:iso:20022:tech:xsd:pain.001.001.09';

export interface SepaTransfer {
  /** the payer's reference, returned on the payee's statement and in rejects: unique in the run */
  endToEndId: string;
  creditorName: string;
  creditorIban: string;
  amountCents: number;
  /** unstructured remittance information, what the payee reads on its statement */
  remittance: string;
}

export interface SepaRun {
  messageId: string;
  /** ISO 8601 date-time, given (the run's close), never the clock's now */
  createdAt: string;
  /** YYYY-MM-DD */
  executionDate: string;
  debtor: { name: string; iban: string; bic?: string };
  transfers: SepaTransfer[];
}

/** An input the payment file cannot carry; `field` is its path in the run, e.g. `transfers[2].creditorIban`. */
export class SepaError extends DomainError {
  override readonly name = 'SepaError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super('invalid_request', `${field}: ${message}`, { code: 'invalid_sepa_run' });
  }
}

/** EPC maximum of one SEPA credit transfer: 999,999,999.99 EUR. */
export const MAX_TRANSFER_CENTS = 99_999_999_999;
const MAX_NAME = 70;
const MAX_REMITTANCE = 140;
const MAX_ID = 35;

/** The SEPA Latin character set (EPC217-08): what every bank in the scheme must accept. */
const SEPA_LATIN = /^[A-Za-z0-9/\-?:().,'+ ]*$/;
const SEPA_LATIN_CHAR = /[A-Za-z0-9/\-?:().,'+ ]/;

/**
 * What NFKD does not take apart into a base letter and accents, and the typography people paste.
 * `&` becomes `+`: it is common in company names and the set has no other joining sign.
 */
const TRANSLITERATION: Readonly<Record<string, string>> = {
  ß: 'ss', ẞ: 'SS', Æ: 'AE', æ: 'ae', Œ: 'OE', œ: 'oe', Ø: 'O', ø: 'o', Ł: 'L', ł: 'l', Đ: 'D', đ: 'd', Ð: 'D', ð: 'd',
  Þ: 'TH', þ: 'th', ı: 'i', Ħ: 'H', ħ: 'h', Ŧ: 'T', ŧ: 't', Ŀ: 'L', ŀ: 'l',
  '\u2018': "'", '\u2019': "'", '\u201a': "'", '\u02bc': "'", '`': "'", '\u00b4': "'",
  '\u2010': '-', '\u2011': '-', '\u2012': '-', '\u2013': '-', '\u2014': '-', '\u2212': '-',
  '&': '+',
};

/**
 * A name or remittance text in the SEPA Latin set, or the first character that has no
 * transliteration. Letters lose their accents (Müller → Muller, Łódź → Lodz: the EPC's first
 * conversion), whitespace runs become one space. The choice is to transliterate Latin text, not
 * reject it, because names with accents are the norm among payees and every bank converts them
 * this way anyway; and to reject the rest (Greek, Cyrillic, symbols), because replacing those
 * with dots, as some banks do, would send money under a name nobody wrote.
 */
export function toSepaLatin(text: string): { ok: true; text: string } | { ok: false; char: string } {
  let out = '';
  for (const char of text.replace(/\s+/g, ' ')) {
    if (SEPA_LATIN_CHAR.test(char)) {
      out += char;
      continue;
    }
    const mapped = TRANSLITERATION[char] ?? char.normalize('NFKD').replace(/\p{M}/gu, '');
    // A lone accent decomposes to a space and a mark: that is a dropped character, not a letter.
    if (mapped.trim() === '' || !SEPA_LATIN.test(mapped)) return { ok: false, char };
    out += mapped;
  }
  return { ok: true, text: out.replace(/ {2,}/g, ' ').trim() };
}

function describeChar(char: string): string {
  return `"${char}" (U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')})`;
}

function latinText(field: string, text: string, max: number): string {
  const latin = toSepaLatin(text);
  if (!latin.ok) throw new SepaError(field, `${describeChar(latin.char)} is outside the SEPA Latin character set and has no transliteration`);
  if (latin.text === '') throw new SepaError(field, 'is empty');
  // Measured after transliteration, which can lengthen (ß → ss): the bank counts what it receives.
  if (latin.text.length > max) throw new SepaError(field, `is ${latin.text.length} characters once in the SEPA Latin set ("${latin.text}"), at most ${max}`);
  return latin.text;
}

/**
 * An identifier is matched byte for byte in reconciliation and returns, so it is never
 * transliterated: anything outside the set is refused. The slash rules are the EPC's.
 */
function identifier(field: string, id: string): string {
  if (id === '') throw new SepaError(field, 'is empty');
  if (id.length > MAX_ID) throw new SepaError(field, `is ${id.length} characters, at most ${MAX_ID}`);
  const bad = [...id].find((c) => !SEPA_LATIN_CHAR.test(c));
  if (bad !== undefined) throw new SepaError(field, `${describeChar(bad)} is not allowed in an identifier (letters, digits, space and / - ? : ( ) . , ' + only)`);
  if (id.trim() !== id) throw new SepaError(field, 'starts or ends with a space, which banks may drop');
  if (id.startsWith('/') || id.endsWith('/') || id.includes('//')) throw new SepaError(field, 'must not start or end with "/" nor contain "//"');
  return id;
}

function iban(field: string, text: string): string {
  const check = checkIban(text);
  if (!check.ok) throw new SepaError(field, check.reason);
  return check.iban;
}

const BIC = /^[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}(?:[A-Z0-9]{3})?$/;

function bic(field: string, text: string): string {
  const compact = text.replace(/\s+/g, '').toUpperCase();
  if (!BIC.test(compact)) throw new SepaError(field, `"${text}" is not a BIC (8 or 11 letters and digits, e.g. BNPAFRPP)`);
  return compact;
}

function amount(field: string, cents: number): bigint {
  if (!Number.isSafeInteger(cents) || cents <= 0) throw new SepaError(field, `is a positive whole number of cents, got ${cents}`);
  if (cents > MAX_TRANSFER_CENTS) throw new SepaError(field, `${cents} cents is over the SEPA maximum of 999,999,999.99 EUR`);
  return BigInt(cents);
}

/** "1234" cents → "12.34": from integers only, so no sum of a thousand 0.10 ever reads 99.99999. */
function decimalEuros(cents: bigint): string {
  return `${cents / 100n}.${(cents % 100n).toString().padStart(2, '0')}`;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function isCalendarDate(year: number, month: number, day: number): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:Z|[+-](\d{2}):(\d{2}))?$/;

function date(field: string, text: string): string {
  const m = DATE.exec(text);
  if (!m || !isCalendarDate(Number(m[1]), Number(m[2]), Number(m[3]))) throw new SepaError(field, `"${text}" is not a date YYYY-MM-DD`);
  return text;
}

function dateTime(field: string, text: string): string {
  const m = DATE_TIME.exec(text);
  const valid =
    m !== null &&
    isCalendarDate(Number(m[1]), Number(m[2]), Number(m[3])) &&
    Number(m[4]) <= 23 && Number(m[5]) <= 59 && Number(m[6]) <= 59 &&
    (m[7] === undefined || (Number(m[7]) <= 23 && Number(m[8]) <= 59));
  if (!valid) throw new SepaError(field, `"${text}" is not an ISO 8601 date-time, e.g. 2025-02-01T09:30:00Z`);
  return text;
}

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', format: true, indentBy: '  ', suppressEmptyNode: true });

/** The pain.001.001.09 document of a payment run; throws a SepaError naming the first bad field. */
export function painXml(run: SepaRun): string {
  const messageId = identifier('messageId', run.messageId);
  const createdAt = dateTime('createdAt', run.createdAt);
  const executionDate = date('executionDate', run.executionDate);
  const debtorName = latinText('debtor.name', run.debtor.name, MAX_NAME);
  const debtorIban = iban('debtor.iban', run.debtor.iban);
  const debtorBic = run.debtor.bic === undefined ? undefined : bic('debtor.bic', run.debtor.bic);
  if (run.transfers.length === 0) throw new SepaError('transfers', 'a payment file needs at least one transfer');

  const seen = new Map<string, number>();
  let total = 0n;
  const transactions = run.transfers.map((t, i) => {
    const at = `transfers[${i}]`;
    const endToEndId = identifier(`${at}.endToEndId`, t.endToEndId);
    // Returns and the payee's statement are matched on it: two alike could not be told apart.
    const first = seen.get(endToEndId);
    if (first !== undefined) throw new SepaError(`${at}.endToEndId`, `"${endToEndId}" is already the end-to-end id of transfers[${first}]`);
    seen.set(endToEndId, i);
    const cents = amount(`${at}.amountCents`, t.amountCents);
    total += cents;
    return {
      PmtId: { EndToEndId: endToEndId },
      Amt: { InstdAmt: { '@_Ccy': 'EUR', '#text': decimalEuros(cents) } },
      Cdtr: { Nm: latinText(`${at}.creditorName`, t.creditorName, MAX_NAME) },
      CdtrAcct: { Id: { IBAN: iban(`${at}.creditorIban`, t.creditorIban) } },
      RmtInf: { Ustrd: latinText(`${at}.remittance`, t.remittance, MAX_REMITTANCE) },
    };
  });
  const count = String(transactions.length);
  const controlSum = decimalEuros(total);

  // Key order is element order, and the XSD's sequences are strict: reordering a key here makes a
  // file banks reject.
  return builder.build({
    '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' },
    Document: {
      '@_xmlns': PAIN_001_NAMESPACE,
      CstmrCdtTrfInitn: {
        GrpHdr: { MsgId: messageId, CreDtTm: createdAt, NbOfTxs: count, CtrlSum: controlSum, InitgPty: { Nm: debtorName } },
        PmtInf: {
          // One PmtInf per file: the message id identifies it as well.
          PmtInfId: messageId,
          PmtMtd: 'TRF',
          BtchBookg: 'true',
          NbOfTxs: count,
          CtrlSum: controlSum,
          PmtTpInf: { SvcLvl: { Cd: 'SEPA' } },
          ReqdExctnDt: { Dt: executionDate },
          Dbtr: { Nm: debtorName },
          DbtrAcct: { Id: { IBAN: debtorIban } },
          // Since 2016 the debtor's bank needs no BIC from its own customer: the EPC's placeholder.
          DbtrAgt: { FinInstnId: debtorBic === undefined ? { Othr: { Id: 'NOTPROVIDED' } } : { BICFI: debtorBic } },
          ChrgBr: 'SLEV',
          CdtTrfTxInf: transactions,
        },
      },
    },
  });
}
