/**
 * National check-digit algorithms for EU VAT numbers, used by `checkVatNumber`
 * (shared/vat-number.ts). Each function receives the national part (without
 * country prefix) after it matched the country's format, so it may assume the
 * expected characters are present.
 */
// One MOD 97-10 for IBANs and Dutch VAT numbers: the same ISO 7064 algorithm.
import { mod97 } from './iban.ts';

function digitAt(value: string, index: number): number {
  return value.charCodeAt(index) - 48;
}

function weightedSum(value: string, weights: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < weights.length; i++) sum += digitAt(value, i) * (weights[i] ?? 0);
  return sum;
}

/** Luhn (mod 10) check over a string of digits that ends with its check digit. */
export function luhnValid(value: string): boolean {
  let sum = 0;
  for (let i = value.length - 1, double = false; i >= 0; i--, double = !double) {
    let d = digitAt(value, i);
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** ISO 7064 MOD 11,10 over a string of digits that ends with its check digit (DE, HR). */
export function mod11_10Valid(value: string): boolean {
  let product = 10;
  for (let i = 0; i < value.length - 1; i++) {
    let sum = (digitAt(value, i) + product) % 10;
    if (sum === 0) sum = 10;
    product = (2 * sum) % 11;
  }
  return (11 - product) % 10 === digitAt(value, value.length - 1);
}

/** Austria: U + 8 digits, Luhn-like with weights 1,2,1,2,... and an offset of 4. */
export function checkAT(n: string): boolean {
  const body = n.slice(1);
  let sum = 0;
  for (let i = 0; i < 7; i++) {
    let p = digitAt(body, i) * (i % 2 === 0 ? 1 : 2);
    if (p > 9) p -= 9;
    sum += p;
  }
  return (10 - ((sum + 4) % 10)) % 10 === digitAt(body, 7);
}

/** Belgium: 97 - (first 8 digits mod 97) equals the last two digits. */
export function checkBE(n: string): boolean {
  return 97 - (Number(n.slice(0, 8)) % 97) === Number(n.slice(8));
}

/** Cyprus: 8 digits and a check letter; numbers starting with 12 are not issued. */
export function checkCY(n: string): boolean {
  if (n.startsWith('12')) return false;
  const odd = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21];
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += i % 2 === 0 ? (odd[digitAt(n, i)] ?? 0) : digitAt(n, i);
  return String.fromCharCode(65 + (sum % 26)) === n[8];
}

/** Germany: ISO 7064 MOD 11,10. */
export const checkDE = mod11_10Valid;

/** Denmark: weights 2,7,6,5,4,3,2,1; the sum is divisible by 11. */
export function checkDK(n: string): boolean {
  return weightedSum(n, [2, 7, 6, 5, 4, 3, 2, 1]) % 11 === 0;
}

/** Estonia: weights 3,7,1,...; check digit is the complement to 10. */
export function checkEE(n: string): boolean {
  return (10 - (weightedSum(n, [3, 7, 1, 3, 7, 1, 3, 7]) % 10)) % 10 === digitAt(n, 8);
}

/** Greece: weights 256,128,...,2; (sum mod 11) mod 10 is the last digit. */
export function checkEL(n: string): boolean {
  return (weightedSum(n, [256, 128, 64, 32, 16, 8, 4, 2]) % 11) % 10 === digitAt(n, 8);
}

const DNI_LETTERS = 'TRWAGMYFPDXBNJZSQVHLCKE';

/**
 * Spain (NIF): DNI (8 digits + letter), NIE (X/Y/Z + 7 digits + letter),
 * K/L/M special NIFs (7 digits + letter, DNI algorithm), and CIF for legal
 * entities (letter + 7 digits + control digit or letter).
 */
export function checkES(n: string): boolean {
  const first = n[0] ?? '';
  const last = n[8] ?? '';
  if (/[0-9]/.test(first)) return DNI_LETTERS[Number(n.slice(0, 8)) % 23] === last;
  if ('XYZ'.includes(first)) return DNI_LETTERS[Number(`${'XYZ'.indexOf(first)}${n.slice(1, 8)}`) % 23] === last;
  if ('KLM'.includes(first)) return DNI_LETTERS[Number(n.slice(1, 8)) % 23] === last;
  // CIF: Luhn-style control over the 7 digits, as a digit or as a letter of "JABCDEFGHI".
  let sum = 0;
  for (let i = 0; i < 7; i++) {
    let d = digitAt(n, i + 1);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  const control = (10 - (sum % 10)) % 10;
  const asDigit = String(control);
  const asLetter = 'JABCDEFGHI'[control];
  if ('ABEH'.includes(first)) return last === asDigit; // companies: always a digit
  if ('NPQRSW'.includes(first)) return last === asLetter; // foreign/public bodies: always a letter
  return last === asDigit || last === asLetter;
}

/** Finland: weights 7,9,10,5,8,4,2,1; the sum is divisible by 11. */
export function checkFI(n: string): boolean {
  return weightedSum(n, [7, 9, 10, 5, 8, 4, 2, 1]) % 11 === 0;
}

const FR_ALPHABET = '0123456789ABCDEFGHJKLMNPQRSTUVWXYZ';

/** The numeric French key for a SIREN: (12 + 3 × (SIREN mod 97)) mod 97. */
export function frenchKey(siren: string): string {
  return String((12 + 3 * (Number(siren) % 97)) % 97).padStart(2, '0');
}

/**
 * France: 2-character key + 9-digit SIREN. Numeric keys follow the formula
 * above; keys containing a letter (issued when numeric keys ran out) use the
 * DGFiP alphanumeric scheme.
 */
export function checkFR(n: string): boolean {
  const key = n.slice(0, 2);
  const siren = n.slice(2);
  if (/^[0-9]{2}$/.test(key)) return key === frenchKey(siren);
  const a = FR_ALPHABET.indexOf(key[0] ?? '');
  const b = FR_ALPHABET.indexOf(key[1] ?? '');
  const check = a < 10 ? a * 24 + b - 10 : a * 34 + b - 100;
  return (Number(siren) + 1 + Math.floor(check / 11)) % 11 === check % 11;
}

/** Croatia (OIB): ISO 7064 MOD 11,10. */
export const checkHR = mod11_10Valid;

/** Hungary: weights 9,7,3,1,9,7,3; check digit is the complement to 10. */
export function checkHU(n: string): boolean {
  return (10 - (weightedSum(n, [9, 7, 3, 1, 9, 7, 3]) % 10)) % 10 === digitAt(n, 7);
}

const IE_LETTERS = 'WABCDEFGHIJKLMNOPQRSTUV';

/**
 * Ireland: 7 digits + check letter (+ optional second letter, since 2013), or
 * the old form digit + letter/+/* + 5 digits + check letter.
 */
export function checkIE(n: string): boolean {
  if (/^[0-9]{7}/.test(n)) {
    let sum = weightedSum(n, [8, 7, 6, 5, 4, 3, 2]);
    const second = n[8];
    if (second !== undefined) sum += 9 * 'WABCDEFGHI'.indexOf(second);
    return IE_LETTERS[sum % 23] === n[7];
  }
  const digits = `0${n.slice(2, 7)}${n[0] ?? ''}`;
  return IE_LETTERS[weightedSum(digits, [8, 7, 6, 5, 4, 3, 2]) % 23] === n[7];
}

/** Italy (partita IVA): Luhn over all 11 digits; the company part cannot be zero. */
export function checkIT(n: string): boolean {
  return n.slice(0, 7) !== '0000000' && luhnValid(n);
}

/** Luxembourg: the first 6 digits mod 89 equal the last two. */
export function checkLU(n: string): boolean {
  return Number(n.slice(0, 6)) % 89 === Number(n.slice(6));
}

/** Malta: weights 3,4,6,7,8,9,10,1; the sum is divisible by 37. */
export function checkMT(n: string): boolean {
  return weightedSum(n, [3, 4, 6, 7, 8, 9, 10, 1]) % 37 === 0;
}

/**
 * Netherlands: either the classic form (RSIN/BSN "eleven test" on the 9
 * digits) or the btw-identificatienummer issued to sole traders since 2020,
 * which passes ISO 7064 MOD 97-10 over "NL" + the whole number.
 */
export function checkNL(n: string): boolean {
  const elevenTest = weightedSum(n, [9, 8, 7, 6, 5, 4, 3, 2]) - digitAt(n, 8);
  return elevenTest % 11 === 0 || mod97(`NL${n}`) === 1;
}

/** Poland (NIP): weights 6,5,7,2,3,4,5,6,7; sum mod 11 is the last digit (10 is never issued). */
export function checkPL(n: string): boolean {
  return weightedSum(n, [6, 5, 7, 2, 3, 4, 5, 6, 7]) % 11 === digitAt(n, 9);
}

/** Portugal (NIF): weights 9..2; check = 11 - sum mod 11, with 10 and 11 becoming 0. */
export function checkPT(n: string): boolean {
  const check = 11 - (weightedSum(n, [9, 8, 7, 6, 5, 4, 3, 2]) % 11);
  return (check >= 10 ? 0 : check) === digitAt(n, 8);
}

/** Romania (CIF): weights 7,5,3,2,1,7,5,3,2 aligned to the right; (10 × sum mod 11) mod 10. */
export function checkRO(n: string): boolean {
  const body = n.slice(0, -1).padStart(9, '0');
  return ((weightedSum(body, [7, 5, 3, 2, 1, 7, 5, 3, 2]) * 10) % 11) % 10 === digitAt(n, n.length - 1);
}

/** Sweden: 10-digit organisation number (Luhn) followed by 01. */
export function checkSE(n: string): boolean {
  return luhnValid(n.slice(0, 10));
}

/** Slovenia: weights 8..2; check = 11 - sum mod 11, 10 becomes 0, 11 is never issued. */
export function checkSI(n: string): boolean {
  const check = 11 - (weightedSum(n, [8, 7, 6, 5, 4, 3, 2]) % 11);
  if (check === 11) return false;
  return (check === 10 ? 0 : check) === digitAt(n, 7);
}

/** Slovakia: the 10-digit number is divisible by 11. */
export function checkSK(n: string): boolean {
  return Number(n) % 11 === 0;
}
