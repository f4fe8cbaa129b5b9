import { describe, expect, it } from 'vitest';
import { decimalToMicros, formatEuros, microsToDecimal, parseEurosInput, percentOf } from './money.ts';

describe('formatEuros', () => {
  it('prints at least two decimals and more only when they are not zero', () => {
    expect(formatEuros(0)).toBe('€0.00');
    expect(formatEuros(1_234_560_000)).toBe('€1,234.56');
    expect(formatEuros(2_000)).toBe('€0.002');
    expect(formatEuros(1_500)).toBe('€0.0015');
    expect(formatEuros(1)).toBe('€0.000001');
    expect(formatEuros(-2_500_000)).toBe('-€2.50');
    expect(formatEuros(5_000_000, 0)).toBe('€5');
  });

  it('stays exact where floats would not (0.1 + 0.2, 2^53 - 1)', () => {
    expect(formatEuros(100_000 + 200_000)).toBe('€0.30');
    expect(formatEuros(Number.MAX_SAFE_INTEGER)).toBe('€9,007,199,254.740991');
    expect(formatEuros(0.5)).toBe('—');
  });
});

describe('amount input', () => {
  it('accepts what people type and gives the API its decimal', () => {
    expect(parseEurosInput('50')).toBe('50');
    expect(parseEurosInput(' 49,90 ')).toBe('49.90');
    expect(parseEurosInput('€1,200.50')).toBe('1200.50');
    expect(parseEurosInput('1,200,000')).toBe('1200000');
    expect(parseEurosInput('007.5')).toBe('7.5');
    expect(parseEurosInput('0.25 €')).toBe('0.25');
    expect(parseEurosInput('0,008')).toBe('0.008');
  });

  it('refuses what is not an amount', () => {
    for (const bad of ['', 'abc', '-5', '1e3', '1.2345678', '12.3.4', '1,200', '1,2,3']) expect(parseEurosInput(bad), bad).toBeUndefined();
  });

  it('round-trips micros through the decimal the cap form shows', () => {
    expect(microsToDecimal(50_500_000)).toBe('50.50');
    expect(microsToDecimal(1_234_567_890)).toBe('1234.56789');
    expect(decimalToMicros('50.5')).toBe(50_500_000);
    expect(decimalToMicros(microsToDecimal(1_234_567_891))).toBe(1_234_567_891);
  });

  it('percentages round down, so 84.99 % never shows as 85 %', () => {
    expect(percentOf(8_499_900, 10_000_000)).toBe(84.9);
    expect(percentOf(10_000_000, 10_000_000)).toBe(100);
    expect(percentOf(1, 0)).toBe(0);
  });
});
