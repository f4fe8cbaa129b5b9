import fc from 'fast-check';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { DomainError } from './errors.ts';
import { computeCheckDigits, formatIbanPrint } from './iban.ts';
import { MAX_TRANSFER_CENTS, painXml, PAIN_001_NAMESPACE, SepaError, toSepaLatin, type SepaRun, type SepaTransfer } from './sepa.ts';

const run = (overrides: Partial<SepaRun> = {}): SepaRun => ({
  messageId: 'FAAS-PAYOUT-2025-01',
  createdAt: '2025-02-01T09:30:00Z',
  executionDate: '2025-02-03',
  debtor: { name: 'Faascape SAS', iban: 'FR76 3000 6000 0112 3456 7890 189' },
  transfers: [transfer()],
  ...overrides,
});

function transfer(overrides: Partial<SepaTransfer> = {}): SepaTransfer {
  return {
    endToEndId: 'FAAS-2025-01-carol',
    creditorName: 'Carol Dupont',
    creditorIban: 'DE89 3704 0044 0532 0130 00',
    amountCents: 1_234,
    remittance: 'Faascape earnings 2025-01',
    ...overrides,
  };
}

interface ParsedTransaction {
  PmtId: { EndToEndId: string };
  Amt: { InstdAmt: { '#text': string; '@_Ccy': string } };
  Cdtr: { Nm: string };
  CdtrAcct: { Id: { IBAN: string } };
  RmtInf: { Ustrd: string };
}

interface ParsedDocument {
  Document: {
    '@_xmlns': string;
    CstmrCdtTrfInitn: {
      GrpHdr: { MsgId: string; CreDtTm: string; NbOfTxs: string; CtrlSum: string; InitgPty: { Nm: string } };
      PmtInf: { NbOfTxs: string; CtrlSum: string; DbtrAgt: { FinInstnId: Record<string, unknown> }; CdtTrfTxInf: ParsedTransaction[] };
    };
  };
}

// Values stay text (a CtrlSum of "1.10" must not come back as the float 1.1), and one transaction
// is still a list.
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', parseTagValue: false, isArray: (name) => name === 'CdtTrfTxInf' });

function parse(xml: string): ParsedDocument['Document']['CstmrCdtTrfInitn'] & { namespace: string } {
  expect(XMLValidator.validate(xml)).toBe(true);
  const { Document } = parser.parse(xml) as ParsedDocument;
  return { ...Document.CstmrCdtTrfInitn, namespace: Document['@_xmlns'] };
}

/** "12.34" → 1234n, refusing anything but digits, a point and exactly two decimals. */
function cents(decimal: string): bigint {
  expect(decimal).toMatch(/^(0|[1-9]\d*)\.\d{2}$/);
  return BigInt(decimal.replace('.', ''));
}

function errorOf(input: SepaRun): SepaError {
  try {
    painXml(input);
  } catch (e) {
    if (e instanceof SepaError) return e;
    throw e;
  }
  throw new Error('painXml accepted the run');
}

describe('the SEPA credit transfer file', () => {
  it('is a pain.001.001.09 document with the group header, one payment and its transactions', () => {
    expect(painXml(run({ transfers: [transfer(), transfer({ endToEndId: 'FAAS-2025-01-dan', creditorName: 'Dan Smith', creditorIban: 'NL91ABNA0417164300', amountCents: 5 })] })))
      .toBe(`<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09">
  <CstmrCdtTrfInitn>
    <GrpHdr>
      <MsgId>FAAS-PAYOUT-2025-01</MsgId>
      <CreDtTm>2025-02-01T09:30:00Z</CreDtTm>
      <NbOfTxs>2</NbOfTxs>
      <CtrlSum>12.39</CtrlSum>
      <InitgPty>
        <Nm>Faascape SAS</Nm>
      </InitgPty>
    </GrpHdr>
    <PmtInf>
      <PmtInfId>FAAS-PAYOUT-2025-01</PmtInfId>
      <PmtMtd>TRF</PmtMtd>
      <BtchBookg>true</BtchBookg>
      <NbOfTxs>2</NbOfTxs>
      <CtrlSum>12.39</CtrlSum>
      <PmtTpInf>
        <SvcLvl>
          <Cd>SEPA</Cd>
        </SvcLvl>
      </PmtTpInf>
      <ReqdExctnDt>
        <Dt>2025-02-03</Dt>
      </ReqdExctnDt>
      <Dbtr>
        <Nm>Faascape SAS</Nm>
      </Dbtr>
      <DbtrAcct>
        <Id>
          <IBAN>FR7630006000011234567890189</IBAN>
        </Id>
      </DbtrAcct>
      <DbtrAgt>
        <FinInstnId>
          <Othr>
            <Id>NOTPROVIDED</Id>
          </Othr>
        </FinInstnId>
      </DbtrAgt>
      <ChrgBr>SLEV</ChrgBr>
      <CdtTrfTxInf>
        <PmtId>
          <EndToEndId>FAAS-2025-01-carol</EndToEndId>
        </PmtId>
        <Amt>
          <InstdAmt Ccy="EUR">12.34</InstdAmt>
        </Amt>
        <Cdtr>
          <Nm>Carol Dupont</Nm>
        </Cdtr>
        <CdtrAcct>
          <Id>
            <IBAN>DE89370400440532013000</IBAN>
          </Id>
        </CdtrAcct>
        <RmtInf>
          <Ustrd>Faascape earnings 2025-01</Ustrd>
        </RmtInf>
      </CdtTrfTxInf>
      <CdtTrfTxInf>
        <PmtId>
          <EndToEndId>FAAS-2025-01-dan</EndToEndId>
        </PmtId>
        <Amt>
          <InstdAmt Ccy="EUR">0.05</InstdAmt>
        </Amt>
        <Cdtr>
          <Nm>Dan Smith</Nm>
        </Cdtr>
        <CdtrAcct>
          <Id>
            <IBAN>NL91ABNA0417164300</IBAN>
          </Id>
        </CdtrAcct>
        <RmtInf>
          <Ustrd>Faascape earnings 2025-01</Ustrd>
        </RmtInf>
      </CdtTrfTxInf>
    </PmtInf>
  </CstmrCdtTrfInitn>
</Document>
`);
  });

  it('is in the pain.001.001.09 namespace, declared UTF-8', () => {
    const xml = painXml(run());
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<Document')).toBe(true);
    expect(parse(xml).namespace).toBe(PAIN_001_NAMESPACE);
    expect(PAIN_001_NAMESPACE).toBe('urn:iso:std:iso:20022:tech:xsd:pain.001.001.09');
  });

  it("names the debtor's bank by its BIC when given, NOTPROVIDED otherwise", () => {
    expect(parse(painXml(run())).PmtInf.DbtrAgt.FinInstnId).toEqual({ Othr: { Id: 'NOTPROVIDED' } });
    const withBic = run({ debtor: { name: 'Faascape SAS', iban: 'FR7630006000011234567890189', bic: 'bnpa fr pp xxx' } });
    expect(parse(painXml(withBic)).PmtInf.DbtrAgt.FinInstnId).toEqual({ BICFI: 'BNPAFRPPXXX' });
  });

  it('sums amounts in cents, where floats would not: ten transfers of 0.10 make 1.00', () => {
    expect(Array.from({ length: 10 }, () => 0.1).reduce((a, b) => a + b)).not.toBe(1); // what the file must not do
    const tens = Array.from({ length: 10 }, (_, i) => transfer({ endToEndId: `E2E-${i}`, amountCents: 10 }));
    const { GrpHdr, PmtInf } = parse(painXml(run({ transfers: tens })));
    expect([GrpHdr.CtrlSum, PmtInf.CtrlSum, GrpHdr.NbOfTxs]).toEqual(['1.00', '1.00', '10']);
  });

  it('writes the largest SEPA amount exactly', () => {
    const { GrpHdr, PmtInf } = parse(painXml(run({ transfers: [transfer({ amountCents: MAX_TRANSFER_CENTS }), transfer({ endToEndId: 'second', amountCents: MAX_TRANSFER_CENTS })] })));
    expect(PmtInf.CdtTrfTxInf.map((t) => t.Amt.InstdAmt['#text'])).toEqual(['999999999.99', '999999999.99']);
    expect(GrpHdr.CtrlSum).toBe('1999999999.98');
  });
});

// Valid IBANs: real ones, as people type them, and German ones with computed check digits.
const REAL_IBANS = ['FR1420041010050500013M02606', 'BE68539007547034', 'ES9121000418450200051332', 'IT60X0542811101000000123456', 'GR1601101250000000012300695', 'AT611904300234573201', 'FI2112345600000785'];
const ibanArb = fc.oneof(
  fc.constantFrom(...REAL_IBANS).chain((iban) => fc.constantFrom({ typed: iban, electronic: iban }, { typed: formatIbanPrint(iban).toLowerCase(), electronic: iban })),
  fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 18, maxLength: 18 }).map((bban) => {
    const iban = `DE${computeCheckDigits('DE', bban)}${bban}`;
    return { typed: iban, electronic: iban };
  }),
);
const word = (max: number) => fc.string({ unit: fc.constantFrom(...("ABCXYZabcxyz0189/-?:().,'+")), minLength: 1, maxLength: max });
const text = (max: number) => fc.array(word(12), { minLength: 1, maxLength: 12 }).map((words) => words.join(' ')).filter((t) => t.length <= max);
const transferArb = fc.record({
  name: text(70),
  iban: ibanArb,
  // small amounts whose float sums drift, and any amount up to the SEPA maximum
  amountCents: fc.oneof(fc.constantFrom(1, 3, 10, 20, 30), fc.integer({ min: 1, max: MAX_TRANSFER_CENTS })),
  remittance: text(140),
});
const runArb = fc.array(transferArb, { minLength: 1, maxLength: 40 }).map((list) =>
  run({
    transfers: list.map((t, i) => ({ endToEndId: `PAYOUT-${i}`, creditorName: t.name, creditorIban: t.iban.typed, amountCents: t.amountCents, remittance: t.remittance })),
  }),
);

describe('the file, whatever the transfers', () => {
  it('counts the transfers and sums their cents exactly, in the header and the payment', () => {
    fc.assert(
      fc.property(runArb, (input) => {
        const { GrpHdr, PmtInf } = parse(painXml(input));
        const sum = input.transfers.reduce((s, t) => s + BigInt(t.amountCents), 0n);
        expect([GrpHdr.NbOfTxs, PmtInf.NbOfTxs]).toEqual([String(input.transfers.length), String(input.transfers.length)]);
        expect([cents(GrpHdr.CtrlSum), cents(PmtInf.CtrlSum)]).toEqual([sum, sum]);
      }),
      { numRuns: 300 },
    );
  });

  it('carries each transfer, in the given order, with its IBAN in electronic format, amount, name and remittance', () => {
    fc.assert(
      fc.property(fc.array(transferArb, { minLength: 1, maxLength: 20 }), (list) => {
        const input = run({ transfers: list.map((t, i) => ({ endToEndId: `PAYOUT-${i}`, creditorName: t.name, creditorIban: t.iban.typed, amountCents: t.amountCents, remittance: t.remittance })) });
        const transactions = parse(painXml(input)).PmtInf.CdtTrfTxInf;
        expect(transactions.map((t) => ({
          id: t.PmtId.EndToEndId,
          iban: t.CdtrAcct.Id.IBAN,
          cents: cents(t.Amt.InstdAmt['#text']),
          currency: t.Amt.InstdAmt['@_Ccy'],
          name: t.Cdtr.Nm,
          remittance: t.RmtInf.Ustrd,
        }))).toEqual(list.map((t, i) => ({ id: `PAYOUT-${i}`, iban: t.iban.electronic, cents: BigInt(t.amountCents), currency: 'EUR', name: t.name, remittance: t.remittance })));
      }),
      { numRuns: 200 },
    );
  });

  it('is the same bytes for the same run, every time', () => {
    fc.assert(
      fc.property(runArb, (input) => {
        expect(painXml(structuredClone(input))).toBe(painXml(input));
      }),
      { numRuns: 100 },
    );
  });
});

describe('names and remittance in the SEPA Latin character set', () => {
  it.each([
    ['Jürgen Müller & Söhne', 'Jurgen Muller + Sohne'],
    ['Łukasz Żółć', 'Lukasz Zolc'],
    ['Straße Ærø Œuvre', 'Strasse AEro OEuvre'],
    ['Ana  María\tNúñez\n', 'Ana Maria Nunez'],
    ['O’Brien – Þór', "O'Brien - THor"],
    ['ＡＣＭＥ', 'ACME'], // full-width letters, as some keyboards type them
    ["Smith (UK) Ltd., ref: 12/3-4+5?'", "Smith (UK) Ltd., ref: 12/3-4+5?'"],
  ])('writes "%s" as "%s"', (name, written) => {
    expect(toSepaLatin(name)).toEqual({ ok: true, text: written });
    expect(parse(painXml(run({ transfers: [transfer({ creditorName: name })] }))).PmtInf.CdtTrfTxInf[0]?.Cdtr.Nm).toBe(written);
  });

  it.each([
    ['Δημήτρης', 'Δ'],
    ['Иван', 'И'],
    ['Café ☕', '☕'],
    ['Invoice #12', '#'],
    ['a_b', '_'],
    ['50 €', '€'],
  ])('refuses "%s": %s has no transliteration', (name, char) => {
    expect(toSepaLatin(name)).toEqual({ ok: false, char });
  });

  it('accepts a name of 70 characters and a remittance of 140, once transliterated', () => {
    const xml = painXml(run({ transfers: [transfer({ creditorName: 'é'.repeat(70), remittance: 'ß'.repeat(70) })] }));
    const [only] = parse(xml).PmtInf.CdtTrfTxInf;
    expect([only?.Cdtr.Nm, only?.RmtInf.Ustrd]).toEqual(['e'.repeat(70), 's'.repeat(140)]);
  });
});

describe('what the file refuses, naming the field', () => {
  const withTransfer = (overrides: Partial<SepaTransfer>) => run({ transfers: [transfer(), transfer({ endToEndId: 'second', ...overrides })] });

  it.each<[string, SepaRun, string, RegExp]>([
    ['no transfers', run({ transfers: [] }), 'transfers', /at least one transfer/],
    ['an empty message id', run({ messageId: '' }), 'messageId', /is empty/],
    ['a message id of 36 characters', run({ messageId: 'M'.repeat(36) }), 'messageId', /36 characters, at most 35/],
    ['an underscore in the message id', run({ messageId: 'payout_2025' }), 'messageId', /"_" \(U\+005F\) is not allowed/],
    ['a message id starting with /', run({ messageId: '/2025' }), 'messageId', /must not start or end with "\/"/],
    ['a message id with //', run({ messageId: 'FAAS//2025' }), 'messageId', /nor contain "\/\/"/],
    ['a message id ending with a space', run({ messageId: 'FAAS ' }), 'messageId', /ends with a space/],
    ['a date for the creation time', run({ createdAt: '2025-02-01' }), 'createdAt', /not an ISO 8601 date-time/],
    ['a creation time on 30 February', run({ createdAt: '2025-02-30T09:30:00Z' }), 'createdAt', /not an ISO 8601 date-time/],
    ['a creation time at 24:00', run({ createdAt: '2025-02-01T24:00:00+01:00' }), 'createdAt', /not an ISO 8601 date-time/],
    ['an execution date in month 13', run({ executionDate: '2025-13-01' }), 'executionDate', /not a date YYYY-MM-DD/],
    ['29 February of a common year', run({ executionDate: '2025-02-29' }), 'executionDate', /not a date YYYY-MM-DD/],
    ['a date written the French way', run({ executionDate: '03/02/2025' }), 'executionDate', /not a date YYYY-MM-DD/],
    ['a blank debtor name', run({ debtor: { name: '  ', iban: 'FR7630006000011234567890189' } }), 'debtor.name', /is empty/],
    ['a debtor name of 71 characters', run({ debtor: { name: 'F'.repeat(71), iban: 'FR7630006000011234567890189' } }), 'debtor.name', /71 characters .* at most 70/],
    ['a mistyped debtor IBAN', run({ debtor: { name: 'Faascape SAS', iban: 'FR7630006000011234567890180' } }), 'debtor.iban', /typo/],
    ['a debtor BIC of 9 characters', run({ debtor: { name: 'Faascape SAS', iban: 'FR7630006000011234567890189', bic: 'BNPAFRPPX' } }), 'debtor.bic', /not a BIC/],
    ['a repeated end-to-end id', withTransfer({ endToEndId: 'FAAS-2025-01-carol' }), 'transfers[1].endToEndId', /already the end-to-end id of transfers\[0\]/],
    ['an end-to-end id of 36 characters', withTransfer({ endToEndId: 'E'.repeat(36) }), 'transfers[1].endToEndId', /at most 35/],
    ['an accent in an end-to-end id', withTransfer({ endToEndId: 'payé-1' }), 'transfers[1].endToEndId', /"é" \(U\+00E9\) is not allowed/],
    ['an amount of 0', withTransfer({ amountCents: 0 }), 'transfers[1].amountCents', /positive whole number of cents, got 0/],
    ['a negative amount', withTransfer({ amountCents: -500 }), 'transfers[1].amountCents', /got -500/],
    ['a fraction of a cent', withTransfer({ amountCents: 12.5 }), 'transfers[1].amountCents', /got 12.5/],
    ['an amount that is not a number', withTransfer({ amountCents: Number.NaN }), 'transfers[1].amountCents', /got NaN/],
    ['an amount past safe integers', withTransfer({ amountCents: 2 ** 53 }), 'transfers[1].amountCents', /positive whole number/],
    ['an amount over the SEPA maximum', withTransfer({ amountCents: MAX_TRANSFER_CENTS + 1 }), 'transfers[1].amountCents', /over the SEPA maximum/],
    ['an empty creditor name', withTransfer({ creditorName: '' }), 'transfers[1].creditorName', /is empty/],
    ['a name that transliterates past 70 characters', withTransfer({ creditorName: 'ß'.repeat(36) }), 'transfers[1].creditorName', /72 characters once in the SEPA Latin set/],
    ['a Greek name', withTransfer({ creditorName: 'Γιώργος' }), 'transfers[1].creditorName', /"Γ" \(U\+0393\) is outside the SEPA Latin character set/],
    ['an IBAN of a country without IBANs', withTransfer({ creditorIban: 'US64SVBKUS6S3300967386' }), 'transfers[1].creditorIban', /"US" is not a country/],
    ['an IBAN one character short', withTransfer({ creditorIban: 'NL91ABNA041716430' }), 'transfers[1].creditorIban', /Netherlands has 18 characters/],
    ['an empty remittance', withTransfer({ remittance: ' ' }), 'transfers[1].remittance', /is empty/],
    ['a remittance of 141 characters', withTransfer({ remittance: 'r'.repeat(141) }), 'transfers[1].remittance', /141 characters .* at most 140/],
    ['a # in the remittance', withTransfer({ remittance: 'Invoice #12' }), 'transfers[1].remittance', /"#" \(U\+0023\)/],
  ])('refuses %s', (_, input, field, message) => {
    const error = errorOf(input);
    expect(error.field).toBe(field);
    expect(error.message.startsWith(`${field}: `)).toBe(true);
    expect(error.message).toMatch(message);
    // A domain error: the edge answers it as a bad request with this message, not as a 500.
    expect(error).toBeInstanceOf(DomainError);
    expect(error.kind).toBe('invalid_request');
  });

  it('accepts 29 February of a leap year and a creation time with an offset and milliseconds', () => {
    expect(() => painXml(run({ executionDate: '2028-02-29', createdAt: '2028-02-28T23:59:59.123+01:00' }))).not.toThrow();
  });
});
