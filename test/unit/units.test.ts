import { describe, expect, test } from 'vitest';
import {
  BYTES,
  BYTES_PER_SECOND,
  DIMENSIONLESS,
  FLOP,
  FLOP_PER_SECOND,
  SECONDS,
  USD,
  UNITS,
  describeDimension,
  divideDimensions,
  exampleUnit,
  isDimensionless,
  multiplyDimensions,
  sameDimension,
} from '../../src/semantics/units.js';

const unit = (name: string) => {
  const u = UNITS.get(name);
  if (!u) throw new Error(`no unit ${name}`);
  return u;
};

describe('unit factors', () => {
  test('GB is decimal, GiB is binary, Gb is bits', () => {
    expect(unit('GB').factor).toBe(1e9);
    expect(unit('GiB').factor).toBe(1024 ** 3);
    expect(unit('Gb').factor).toBe(1e9 / 8);
    for (const n of ['GB', 'GiB', 'Gb']) expect(unit(n).dim).toEqual(BYTES);
  });

  test('rates divide by seconds: 400 Gb/s is 50 GB/s', () => {
    expect(400 * unit('Gb/s').factor).toBe(50 * unit('GB/s').factor);
    expect(unit('Gb/s').dim).toEqual(BYTES_PER_SECOND);
    expect(unit('TB/s').factor).toBe(1e12);
    expect(unit('TiB/s').factor).toBe(2 ** 40);
  });

  test('every prefix of bytes', () => {
    expect([unit('B'), unit('KB'), unit('MB'), unit('TB'), unit('PB')].map((u) => u.factor)).toEqual([1, 1e3, 1e6, 1e12, 1e15]);
    expect([unit('KiB'), unit('MiB'), unit('TiB')].map((u) => u.factor)).toEqual([1024, 1024 ** 2, 1024 ** 4]);
  });

  test('FLOP, time, money and percent', () => {
    expect(unit('TFLOP/s')).toMatchObject({ factor: 1e12, dim: FLOP_PER_SECOND });
    expect(unit('PFLOP')).toMatchObject({ factor: 1e15, dim: FLOP });
    expect(unit('ms')).toMatchObject({ factor: 1e-3, dim: SECONDS });
    expect(unit('us')).toMatchObject({ factor: 1e-6, dim: SECONDS });
    expect(unit('ns')).toMatchObject({ factor: 1e-9, dim: SECONDS });
    expect(unit('s')).toMatchObject({ factor: 1, dim: SECONDS });
    expect(unit('k$')).toMatchObject({ factor: 1e3, dim: USD });
    expect(unit('M$')).toMatchObject({ factor: 1e6, dim: USD });
    expect(unit('%')).toMatchObject({ factor: 0.01, dim: DIMENSIONLESS });
  });

  test('no spelling is defined twice with different meanings', () => {
    expect(new Set(UNITS.keys()).size).toBe(UNITS.size);
    for (const [name, u] of UNITS) expect(u.name).toBe(name);
  });
});

describe('dimension algebra', () => {
  test('bytes / seconds is a bandwidth; FLOP / (FLOP/s) is time', () => {
    expect(divideDimensions(BYTES, SECONDS)).toEqual(BYTES_PER_SECOND);
    expect(divideDimensions(FLOP, FLOP_PER_SECOND)).toEqual(SECONDS);
    expect(multiplyDimensions(BYTES_PER_SECOND, SECONDS)).toEqual(BYTES);
    expect(divideDimensions(BYTES, BYTES)).toEqual(DIMENSIONLESS);
  });

  test('multiply and divide are inverse', () => {
    const dims = [BYTES, SECONDS, FLOP, USD, BYTES_PER_SECOND, FLOP_PER_SECOND, DIMENSIONLESS];
    for (const a of dims) for (const b of dims) expect(divideDimensions(multiplyDimensions(a, b), b)).toEqual(a);
  });

  test('sameDimension and isDimensionless', () => {
    expect(sameDimension(BYTES, [1, 0, 0, 0])).toBe(true);
    expect(sameDimension(BYTES, BYTES_PER_SECOND)).toBe(false);
    expect(isDimensionless(unit('%').dim)).toBe(true);
    expect(isDimensionless(SECONDS)).toBe(false);
  });
});

describe('describeDimension', () => {
  test('names the dimensions users write', () => {
    expect(describeDimension(DIMENSIONLESS)).toBe('a plain number');
    expect(describeDimension(BYTES)).toBe('bytes');
    expect(describeDimension(BYTES_PER_SECOND)).toBe('bytes/s');
    expect(describeDimension(FLOP_PER_SECOND)).toBe('FLOP/s');
    expect(describeDimension(USD)).toBe('$');
    expect(describeDimension(SECONDS)).toBe('s');
  });

  test('powers and products', () => {
    expect(describeDimension([2, 0, 0, 0])).toBe('bytes^2');
    expect(describeDimension([0, -1, 0, 0])).toBe('1/s');
    expect(describeDimension([1, -2, 0, 0])).toBe('bytes/s^2');
    expect(describeDimension([1, 1, 0, 0])).toBe('bytes·s');
    expect(describeDimension([0, -1, 1, -1])).toBe('FLOP/s·$');
  });

  test('exampleUnit suggests a unit for common dimensions only', () => {
    expect(exampleUnit(BYTES)).toBe('GB');
    expect(exampleUnit(BYTES_PER_SECOND)).toBe('GB/s');
    expect(exampleUnit(FLOP_PER_SECOND)).toBe('TFLOP/s');
    expect(exampleUnit([2, 0, 0, 0])).toBeUndefined();
  });
});
