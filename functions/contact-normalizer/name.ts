import type { Warning } from './types.ts';

export interface NameResult {
  name: string | null;
  firstName: string | null;
  lastName: string | null;
  title: string | null;
  warnings: Warning[];
}

/** Nobiliary particles and similar connectors, written in lower case inside a name ("Ludwig van Beethoven"). */
const PARTICLES = new Set([
  'de', 'du', 'des', 'van', 'von', 'der', 'den', 'del', 'della', 'di', 'da', 'dos', 'das', 'do', 'ten', 'ter', 'zu',
]);
/** Articles that start a surname on their own ("Marine Le Pen") but are lower case after "de" ("de la Fontaine"). */
const ARTICLES = new Set(['le', 'la']);
/** Leading courtesy titles, mapped to their canonical spelling. */
const TITLES = new Map([
  ['mr', 'Mr'], ['mrs', 'Mrs'], ['ms', 'Ms'], ['miss', 'Miss'], ['mx', 'Mx'], ['dr', 'Dr'], ['prof', 'Prof'],
  ['m.', 'M.'], ['mme', 'Mme'], ['mlle', 'Mlle'], ['pr', 'Pr'],
]);
const SUFFIXES = new Set(['jr', 'jr.', 'sr', 'sr.', 'ii', 'iii', 'iv']);
const ROMAN = new Set(['ii', 'iii', 'iv']);
/** Deliberate inner capitals typed by the user ("McDonald", "DiCaprio", "LeBlanc") are kept as typed. */
const CAMEL_CASE = /^\p{Lu}\p{Ll}+(?:\p{Lu}\p{Ll}+)+$/u;
/** Two or three capitals without a vowel are initials, not a word to recase. */
const INITIALS = /^[B-DF-HJ-NP-TV-XZ]{2,3}$/;
const SUSPICIOUS = /[^\p{L}\p{M}\s'.,-]/u;

const lower = (token: string): string => token.toLowerCase();
const isParticle = (token: string): boolean => PARTICLES.has(lower(token));
const isElision = (token: string): boolean => /^d'\p{L}/u.test(lower(token));
const startsSurname = (token: string): boolean => isParticle(token) || ARTICLES.has(lower(token));
const letterCount = (token: string): number => (token.match(/\p{L}/gu) ?? []).length;
const isAllCaps = (token: string): boolean => letterCount(token) > 0 && token === token.toUpperCase() && token !== token.toLowerCase();

function titleOf(token: string): string | undefined {
  const key = lower(token);
  return TITLES.get(key) ?? (key.endsWith('.') && key !== 'm.' ? TITLES.get(key.slice(0, -1)) : undefined);
}

/** Upper-cases the first letter and lower-cases the rest ("dUPONT" -> "Dupont"). */
function capitalise(word: string): string {
  const [first, ...rest] = Array.from(word.toLowerCase());
  return first === undefined ? '' : first.toUpperCase() + rest.join('');
}

/** Cases one piece of a token that contains no hyphen or dot. */
function casePiece(piece: string, position: number, previous: string | undefined): string {
  if (piece === '') return '';
  if (CAMEL_CASE.test(piece)) return piece;
  const low = lower(piece);
  if (position > 0 && ROMAN.has(low)) return piece.toUpperCase();
  if (INITIALS.test(piece) && !SUFFIXES.has(low)) return piece; // "JP Dupont", but "Jr"
  const apostrophe = low.indexOf("'");
  if (apostrophe > 0 && apostrophe < low.length - 1) {
    const head = low.slice(0, apostrophe);
    const tail = casePiece(piece.slice(apostrophe + 1), 1, undefined);
    if (head === 'd' && position > 0) return `d'${tail}`;
    if (head === 'l' && previous === 'de') return `l'${tail}`;
    return `${capitalise(head)}'${tail}`;
  }
  const mc = /^mc(\p{L}{2,})$/u.exec(low);
  if (mc?.[1] !== undefined) return `Mc${capitalise(mc[1])}`;
  return capitalise(piece);
}

/** Cases a whole token ("jean-pierre" -> "Jean-Pierre", "DE" -> "de" inside a name). */
function caseToken(token: string, position: number, tokens: readonly string[]): string {
  const low = lower(token);
  const previous = position > 0 ? tokens[position - 1]?.toLowerCase() : undefined;
  if (PARTICLES.has(low) && (position > 0 || tokens.length > 1)) return low;
  if (ARTICLES.has(low) && previous === 'de') return low;
  return token
    .split(/([-.])/)
    .map((piece) => (piece === '-' || piece === '.' ? piece : casePiece(piece, position, previous)))
    .join('');
}

/**
 * French-style capitalised surname: "DUPONT Jean" or "Marie Claire DUPONT MARTIN". Returns the first and last name
 * tokens, or undefined when the casing gives no reliable hint (all in one case, or capitals not in one block).
 */
function capsSurname(tokens: readonly string[]): { first: string[]; last: string[] } | undefined {
  const caps = tokens.map(isAllCaps);
  const hasLowerWord = tokens.some((t, i) => !caps[i] && letterCount(t) > 0 && !startsSurname(t));
  const strongCaps = (block: readonly string[]): boolean =>
    block.some((t) => isAllCaps(t) && !startsSurname(t) && letterCount(t) >= 3);
  if (!hasLowerWord) return undefined;

  // Leading block: "DUPONT Jean", "DE LA FONTAINE Jean".
  let end = 0;
  while (end < tokens.length && caps[end]) end++;
  if (end > 0 && end < tokens.length && !caps.slice(end).some(Boolean) && strongCaps(tokens.slice(0, end))) {
    return { first: tokens.slice(end), last: tokens.slice(0, end) };
  }

  // Trailing block: "Jean-Pierre DUPONT", "Jean de LA FONTAINE" (lower-case particles join the surname).
  let start = tokens.length;
  while (start > 0 && caps[start - 1]) start--;
  if (start > 0 && start < tokens.length && !caps.slice(0, start).some(Boolean) && strongCaps(tokens.slice(start))) {
    while (start > 1 && startsSurname(tokens[start - 1] ?? '')) start--;
    return { first: tokens.slice(0, start), last: tokens.slice(start) };
  }
  return undefined;
}

function split(tokens: readonly string[]): { first: string[]; last: string[] } | undefined {
  if (tokens.length < 2) return undefined;
  const byCase = capsSurname(tokens);
  if (byCase) return byCase;
  if (startsSurname(tokens[0] ?? '')) return { first: [], last: [...tokens] }; // surname only: "de Gaulle"
  for (let i = 1; i < tokens.length; i++) {
    const token = tokens[i] ?? '';
    if ((startsSurname(token) && i < tokens.length - 1) || isElision(token)) {
      return { first: tokens.slice(0, i), last: tokens.slice(i) };
    }
  }
  // "John Smith Jr" keeps the suffix with the surname.
  const lastWord = tokens.at(-1) ?? '';
  const cut = SUFFIXES.has(lower(lastWord)) && tokens.length > 2 ? tokens.length - 2 : tokens.length - 1;
  return { first: tokens.slice(0, cut), last: tokens.slice(cut) };
}

const words = (text: string): string[] => text.split(' ').filter((t) => t !== '');

/**
 * Cleans a person's name: trims, collapses whitespace, fixes capitalisation (particles, hyphens, apostrophes,
 * Mc prefixes), strips a leading courtesy title and splits it into first and last name on a best-effort basis.
 */
export function normalizeName(raw: string | null | undefined): NameResult {
  const warnings: Warning[] = [];
  const text = (raw ?? '')
    .normalize('NFC')
    .replace(/[\u2018\u2019\u02BC\u0060\u00B4]/g, "'")
    .replace(/[\u2010\u2011]/g, '-')
    .replace(/\s+/gu, ' ')
    .replace(/ ?- ?/g, '-')
    .trim();
  if (text === '' || !/\p{L}/u.test(text)) {
    if (text !== '') {
      warnings.push({ field: 'name', code: 'NAME_INVALID', message: `name "${text}" contains no letters` });
    }
    return { name: text === '' ? null : text, firstName: null, lastName: null, title: null, warnings };
  }
  if (text.includes('@')) {
    warnings.push({ field: 'name', code: 'NAME_SUSPICIOUS_CHARACTERS', message: 'name looks like an e-mail address' });
  } else if (SUSPICIOUS.test(text)) {
    warnings.push({
      field: 'name',
      code: 'NAME_SUSPICIOUS_CHARACTERS',
      message: 'name contains digits or symbols that are unusual in a person\'s name',
    });
  }

  // "Dupont, Jean" is "last, first"; any other comma is noise.
  const commaParts = text.split(',').map((part) => part.trim());
  let tokens: string[];
  let parts: { first: string[]; last: string[] } | undefined;
  let title: string | null = null;
  const takeTitle = (list: string[]): string[] => {
    const found = list.length > 1 && list[0] !== undefined ? titleOf(list[0]) : undefined;
    if (found === undefined) return list;
    title = found;
    return list.slice(1);
  };
  if (commaParts.length === 2 && commaParts.every((part) => /\p{L}/u.test(part))) {
    const last = takeTitle(words(commaParts[0] ?? ''));
    const first = takeTitle(words(commaParts[1] ?? ''));
    tokens = [...first, ...last];
    parts = { first, last };
  } else {
    tokens = takeTitle(words(text.replace(/,/g, ' ')));
    parts = split(tokens);
  }

  if (!parts) {
    const single = caseToken(tokens[0] ?? '', 0, tokens);
    // "Mme Martin": after a courtesy title a lone word is the surname.
    if (title !== null) return { name: single, firstName: null, lastName: single, title, warnings };
    warnings.push({
      field: 'name',
      code: 'NAME_NOT_SPLIT',
      message: `could not tell whether "${single}" is a first name or a last name`,
    });
    return { name: single, firstName: null, lastName: null, title, warnings };
  }
  const ordered = [...parts.first, ...parts.last];
  const cased = ordered.map((token, i) => caseToken(token, i, ordered));
  const firstName = cased.slice(0, parts.first.length).join(' ') || null;
  const lastName = cased.slice(parts.first.length).join(' ') || null;
  if (firstName === null) {
    warnings.push({ field: 'name', code: 'NAME_NOT_SPLIT', message: `no first name found in "${cased.join(' ')}"` });
  }
  return { name: cased.join(' '), firstName, lastName, title, warnings };
}
