// Pure calendar arithmetic for French business days.
//
// Dates are handled as "day numbers" (days since 1970-01-01, proleptic Gregorian),
// computed with integer arithmetic only: no Date objects, no time zones, no DST.

export const MIN_YEAR = 1900;
export const MAX_YEAR = 2200;

export type Region = 'national' | 'alsace-moselle';
export const REGIONS: readonly Region[] = ['national', 'alsace-moselle'];

export interface CivilDate {
  year: number;
  month: number; // 1..12
  day: number; // 1..31
}

export interface Holiday {
  id: string;
  date: string; // YYYY-MM-DD
  dayNumber: number;
  nameFr: string;
  nameEn: string;
}

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Days since 1970-01-01 (Howard Hinnant's days_from_civil). */
export function toDayNumber({ year, month, day }: CivilDate): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Inverse of toDayNumber (Howard Hinnant's civil_from_days). */
export function fromDayNumber(dayNumber: number): CivilDate {
  const z = dayNumber + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

export function formatDate({ year, month, day }: CivilDate): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

export function formatDayNumber(dayNumber: number): string {
  return formatDate(fromDayNumber(dayNumber));
}

export type ParseDateResult =
  | { ok: true; date: CivilDate; dayNumber: number }
  | { ok: false; reason: 'format' | 'nonexistent' | 'year-range' };

/** Strict YYYY-MM-DD parser: rejects 2026-02-30, 2026-2-3, 2026-02-03T00:00, etc. */
export function parseIsoDate(text: string): ParseDateResult {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return { ok: false, reason: 'format' };
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    return { ok: false, reason: 'nonexistent' };
  }
  if (year < MIN_YEAR || year > MAX_YEAR) return { ok: false, reason: 'year-range' };
  const date = { year, month, day };
  return { ok: true, date, dayNumber: toDayNumber(date) };
}

export function isYearInRange(year: number): boolean {
  return Number.isInteger(year) && year >= MIN_YEAR && year <= MAX_YEAR;
}

export function isDayNumberInRange(dayNumber: number): boolean {
  return isYearInRange(fromDayNumber(dayNumber).year);
}

/** 0 = Sunday ... 6 = Saturday. 1970-01-01 was a Thursday. */
export function weekdayIndex(dayNumber: number): number {
  return (((dayNumber + 4) % 7) + 7) % 7;
}

export function weekdayName(dayNumber: number): Weekday {
  return WEEKDAYS[weekdayIndex(dayNumber)] ?? 'Sunday';
}

export function isWeekend(dayNumber: number): boolean {
  const w = weekdayIndex(dayNumber);
  return w === 0 || w === 6;
}

/** Easter Sunday by the anonymous Gregorian computus (Meeus/Jones/Butcher). */
export function easterSunday(year: number): CivilDate {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const n = h + l - 7 * m + 114;
  return { year, month: Math.floor(n / 31), day: (n % 31) + 1 };
}

interface HolidayRule {
  id: string;
  nameFr: string;
  nameEn: string;
  regions: readonly Region[];
  /** Either a fixed month/day or an offset in days from Easter Sunday. */
  fixed?: { month: number; day: number };
  easterOffset?: number;
}

const ALL: readonly Region[] = REGIONS;
const ALSACE_MOSELLE: readonly Region[] = ['alsace-moselle'];

const RULES: readonly HolidayRule[] = [
  { id: 'new-year', nameFr: "Jour de l'an", nameEn: "New Year's Day", regions: ALL, fixed: { month: 1, day: 1 } },
  { id: 'good-friday', nameFr: 'Vendredi saint', nameEn: 'Good Friday', regions: ALSACE_MOSELLE, easterOffset: -2 },
  { id: 'easter-monday', nameFr: 'Lundi de Pâques', nameEn: 'Easter Monday', regions: ALL, easterOffset: 1 },
  { id: 'labour-day', nameFr: 'Fête du Travail', nameEn: 'Labour Day', regions: ALL, fixed: { month: 5, day: 1 } },
  { id: 'victory-1945', nameFr: 'Victoire 1945', nameEn: 'Victory in Europe Day', regions: ALL, fixed: { month: 5, day: 8 } },
  { id: 'ascension', nameFr: 'Ascension', nameEn: 'Ascension Day', regions: ALL, easterOffset: 39 },
  { id: 'whit-monday', nameFr: 'Lundi de Pentecôte', nameEn: 'Whit Monday', regions: ALL, easterOffset: 50 },
  { id: 'national-day', nameFr: 'Fête nationale', nameEn: 'Bastille Day', regions: ALL, fixed: { month: 7, day: 14 } },
  { id: 'assumption', nameFr: 'Assomption', nameEn: 'Assumption Day', regions: ALL, fixed: { month: 8, day: 15 } },
  { id: 'all-saints', nameFr: 'Toussaint', nameEn: "All Saints' Day", regions: ALL, fixed: { month: 11, day: 1 } },
  { id: 'armistice-1918', nameFr: 'Armistice 1918', nameEn: 'Armistice Day', regions: ALL, fixed: { month: 11, day: 11 } },
  { id: 'christmas', nameFr: 'Noël', nameEn: 'Christmas Day', regions: ALL, fixed: { month: 12, day: 25 } },
  { id: 'st-stephen', nameFr: 'Saint-Étienne', nameEn: "St Stephen's Day", regions: ALSACE_MOSELLE, fixed: { month: 12, day: 26 } },
];

const holidayCache = new Map<string, readonly Holiday[]>();

/**
 * Public holidays of a year, sorted by date. Two holidays can share a date
 * (Ascension fell on 1 May in 2008), in which case both are listed.
 */
export function holidaysOf(year: number, region: Region): readonly Holiday[] {
  const key = `${region}:${year}`;
  const cached = holidayCache.get(key);
  if (cached) return cached;
  const easter = toDayNumber(easterSunday(year));
  const list: Holiday[] = [];
  for (const rule of RULES) {
    if (!rule.regions.includes(region)) continue;
    const dayNumber = rule.fixed ? toDayNumber({ year, ...rule.fixed }) : easter + (rule.easterOffset ?? 0);
    list.push({ id: rule.id, date: formatDayNumber(dayNumber), dayNumber, nameFr: rule.nameFr, nameEn: rule.nameEn });
  }
  list.sort((x, y) => x.dayNumber - y.dayNumber);
  holidayCache.set(key, list);
  return list;
}

export function holidaysOn(dayNumber: number, region: Region): Holiday[] {
  return holidaysOf(fromDayNumber(dayNumber).year, region).filter((h) => h.dayNumber === dayNumber);
}

export function isHoliday(dayNumber: number, region: Region): boolean {
  return holidaysOn(dayNumber, region).length > 0;
}

export function isBusinessDay(dayNumber: number, region: Region): boolean {
  return !isWeekend(dayNumber) && !isHoliday(dayNumber, region);
}

/** Holidays with start <= date < end, sorted. */
export function holidaysInRange(start: number, end: number, region: Region): Holiday[] {
  if (end <= start) return [];
  const firstYear = fromDayNumber(start).year;
  const lastYear = fromDayNumber(end - 1).year;
  const result: Holiday[] = [];
  for (let year = firstYear; year <= lastYear; year++) {
    for (const h of holidaysOf(year, region)) {
      if (h.dayNumber >= start && h.dayNumber < end) result.push(h);
    }
  }
  return result;
}

/** Number of Monday..Friday days in [reference Monday, dayNumber). Negative before the reference. */
function weekdaysBefore(dayNumber: number): number {
  const REFERENCE_MONDAY = 4; // 1970-01-05
  const offset = dayNumber - REFERENCE_MONDAY;
  const weeks = Math.floor(offset / 7);
  const rest = offset - weeks * 7; // 0..6, Monday-based
  return weeks * 5 + Math.min(rest, 5);
}

/**
 * Business days in [from, to) when from <= to; minus the count in [to, from) otherwise,
 * so that between(a, b) === -between(b, a) and between(a, b) + between(b, c) === between(a, c).
 */
export function businessDaysBetween(from: number, to: number, region: Region): number {
  if (to < from) return -businessDaysBetween(to, from, region);
  const weekdays = weekdaysBefore(to) - weekdaysBefore(from);
  const holidayWeekdays = new Set(
    holidaysInRange(from, to, region)
      .filter((h) => !isWeekend(h.dayNumber))
      .map((h) => h.dayNumber),
  );
  return weekdays - holidayWeekdays.size;
}

/**
 * The |days|-th business day after (days > 0) or before (days < 0) the given date;
 * the date itself when days === 0. The start date does not need to be a business day.
 */
export function addBusinessDays(start: number, days: number, region: Region): number {
  const step = days < 0 ? -1 : 1;
  let remaining = Math.abs(days);
  let current = start;
  while (remaining > 0) {
    current += step;
    if (isBusinessDay(current, region)) remaining--;
  }
  return current;
}
