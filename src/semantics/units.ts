/**
 * Units and dimensional analysis. A dimension is a vector of exponents over the base quantities kasc
 * measures in: bytes, seconds, floating-point operations and US dollars. Bits are bytes / 8, so
 * `400 Gb/s` and `50 GB/s` are the same quantity. Every value is stored in SI base units.
 */

export const BASE_DIMENSIONS = ['B', 's', 'FLOP', 'USD'] as const;
export type Dimension = readonly [bytes: number, seconds: number, flop: number, usd: number];

export const DIMENSIONLESS: Dimension = [0, 0, 0, 0];
export const BYTES: Dimension = [1, 0, 0, 0];
export const SECONDS: Dimension = [0, 1, 0, 0];
export const FLOP: Dimension = [0, 0, 1, 0];
export const USD: Dimension = [0, 0, 0, 1];
export const BYTES_PER_SECOND: Dimension = [1, -1, 0, 0];
export const FLOP_PER_SECOND: Dimension = [0, -1, 1, 0];

export interface UnitInfo {
  readonly name: string;
  /** Multiply a number written in this unit by `factor` to get SI base units. */
  readonly factor: number;
  readonly dim: Dimension;
}

function family(base: string, dim: Dimension, baseFactor: number, prefixes: Record<string, number>): UnitInfo[] {
  const out: UnitInfo[] = [];
  for (const [prefix, scale] of Object.entries(prefixes)) {
    out.push({ name: prefix + base, factor: scale * baseFactor, dim });
    out.push({ name: `${prefix}${base}/s`, factor: scale * baseFactor, dim: [dim[0], dim[1] - 1, dim[2], dim[3]] });
  }
  return out;
}

const DECIMAL = { '': 1, K: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15 };
const BINARY = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };

/** Every unit the language knows, by the spelling a user writes after a number. */
export const UNITS: ReadonlyMap<string, UnitInfo> = new Map(
  [
    ...family('B', BYTES, 1, DECIMAL),
    ...family('B', BYTES, 1, BINARY),
    ...family('b', BYTES, 1 / 8, DECIMAL),
    ...family('FLOP', FLOP, 1, DECIMAL),
    { name: 's', factor: 1, dim: SECONDS },
    { name: 'ms', factor: 1e-3, dim: SECONDS },
    { name: 'us', factor: 1e-6, dim: SECONDS },
    { name: 'ns', factor: 1e-9, dim: SECONDS },
    { name: '$', factor: 1, dim: USD },
    { name: 'k$', factor: 1e3, dim: USD },
    { name: 'M$', factor: 1e6, dim: USD },
    { name: '%', factor: 0.01, dim: DIMENSIONLESS },
  ].map((u) => [u.name, u] as const),
);

export function sameDimension(a: Dimension, b: Dimension): boolean {
  return a[0] === b[0] && a[1] === b[1] && a[2] === b[2] && a[3] === b[3];
}

export function multiplyDimensions(a: Dimension, b: Dimension): Dimension {
  return [a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3]];
}

export function divideDimensions(a: Dimension, b: Dimension): Dimension {
  return [a[0] - b[0], a[1] - b[1], a[2] - b[2], a[3] - b[3]];
}

export function isDimensionless(d: Dimension): boolean {
  return sameDimension(d, DIMENSIONLESS);
}

/** Human name of a dimension, in the unit a user would write: `bytes/s`, `FLOP/s`, `number`. */
export function describeDimension(d: Dimension): string {
  if (isDimensionless(d)) return 'a plain number';
  const names = ['bytes', 's', 'FLOP', '$'];
  const num: string[] = [];
  const den: string[] = [];
  d.forEach((e, i) => {
    if (e > 0) num.push(e === 1 ? names[i]! : `${names[i]}^${e}`);
    if (e < 0) den.push(e === -1 ? names[i]! : `${names[i]}^${-e}`);
  });
  const top = num.length ? num.join('·') : '1';
  return den.length ? `${top}/${den.join('·')}` : top;
}

/** A unit a user could write for a dimension, for hints (`80 GB/s`). */
export function exampleUnit(d: Dimension): string | undefined {
  const examples: [Dimension, string][] = [
    [BYTES, 'GB'],
    [BYTES_PER_SECOND, 'GB/s'],
    [FLOP, 'GFLOP'],
    [FLOP_PER_SECOND, 'TFLOP/s'],
    [SECONDS, 'us'],
    [USD, 'k$'],
  ];
  return examples.find(([dim]) => sameDimension(dim, d))?.[1];
}
