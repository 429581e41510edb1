/**
 * Symbolic sizes for operator synthesis: monomials c · Π v_i^e_i with a positive rational constant c
 * and integer exponents (negative ones divide: `C_in/g` is C_in¹·g⁻¹).
 *
 * Variables are of two kinds, as in Syno (arXiv 2410.23745 §4): *primary* variables name the sizes
 * of the operator's interface (C_in, C_out, L, H, W) and *coefficient* variables name the small
 * factors the search may introduce (groups g, kernel k, stride s, rank r). A size is legal only if it
 * is a positive integer under every binding the user gives, which `isPositiveIntegerForAll` checks.
 *
 * Sizes are interned: structurally equal sizes are the same object, so `===` is equality and
 * `size.key` is a canonical string usable as a map key.
 */

export type VariableKind = 'primary' | 'coefficient';

export interface SizeVariable {
  readonly name: string;
  readonly kind: VariableKind;
}

const variables = new Map<string, SizeVariable>();

/** The variable named `name`; declaring one name with two kinds is a broken invariant. */
export function sizeVariable(name: string, kind: VariableKind): SizeVariable {
  const existing = variables.get(name);
  if (existing) {
    if (existing.kind !== kind) {
      throw new Error(`internal error: size variable \`${name}\` declared both ${existing.kind} and ${kind}; please report this`);
    }
    return existing;
  }
  const v: SizeVariable = Object.freeze({ name, kind });
  variables.set(name, v);
  return v;
}

/** A binding of variable names to positive integers. */
export type Binding = Readonly<Record<string, number>>;

export interface Size {
  /** Canonical text, e.g. `2*C_in*g^-1`; equal keys ⇔ equal sizes ⇔ the same object. */
  readonly key: string;
  readonly numerator: number;
  readonly denominator: number;
  /** Variables with their non-zero exponents, sorted by name. */
  readonly factors: readonly (readonly [SizeVariable, number])[];
}

const sizes = new Map<string, Size>();

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return Math.abs(a);
}

function makeSize(numerator: number, denominator: number, exps: ReadonlyMap<SizeVariable, number>): Size {
  if (!Number.isSafeInteger(numerator) || !Number.isSafeInteger(denominator) || numerator <= 0 || denominator <= 0) {
    throw new Error(`internal error: size constant ${numerator}/${denominator} is not a positive ratio of safe integers; please report this`);
  }
  const d = gcd(numerator, denominator);
  const num = numerator / d;
  const den = denominator / d;
  const factors = [...exps].filter(([, e]) => e !== 0).sort(([a], [b]) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const parts: string[] = [];
  if (num !== 1 || factors.length === 0) parts.push(String(num));
  for (const [v, e] of factors) parts.push(e === 1 ? v.name : `${v.name}^${e}`);
  const key = parts.join('*') + (den === 1 ? '' : `/${den}`);
  const existing = sizes.get(key);
  if (existing) return existing;
  const size: Size = Object.freeze({ key, numerator: num, denominator: den, factors: Object.freeze(factors.map((f) => Object.freeze(f))) });
  sizes.set(key, size);
  return size;
}

/** The constant size `n` (a positive integer or ratio `n/d`). */
export function constant(n: number, d = 1): Size {
  return makeSize(n, d, new Map());
}

/** The size that is exactly variable `v`. */
export function variableSize(v: SizeVariable): Size {
  return makeSize(1, 1, new Map([[v, 1]]));
}

/** Shorthands: `primary('C_in')`, `coefficient('g')`. */
export const primary = (name: string): Size => variableSize(sizeVariable(name, 'primary'));
export const coefficient = (name: string): Size => variableSize(sizeVariable(name, 'coefficient'));

function exponents(s: Size): Map<SizeVariable, number> {
  return new Map(s.factors.map(([v, e]) => [v, e]));
}

/** a · b. */
export function mul(a: Size, b: Size): Size {
  const e = exponents(a);
  for (const [v, x] of b.factors) e.set(v, (e.get(v) ?? 0) + x);
  return makeSize(a.numerator * b.numerator, a.denominator * b.denominator, e);
}

/** a / b. */
export function div(a: Size, b: Size): Size {
  const e = exponents(a);
  for (const [v, x] of b.factors) e.set(v, (e.get(v) ?? 0) - x);
  return makeSize(a.numerator * b.denominator, a.denominator * b.numerator, e);
}

/** Structural equality; interning makes it identity. */
export function sizeEquals(a: Size, b: Size): boolean {
  return a === b;
}

/** True when the size mentions no primary variable (a "small" size: kernel, group, rank). */
export function isCoefficientOnly(s: Size): boolean {
  return s.factors.every(([v]) => v.kind === 'coefficient');
}

/** True when the size is the constant 1. */
export function isOne(s: Size): boolean {
  return s.key === '1';
}

/** The value of `s` under `binding` (a rational number; a missing variable is a broken invariant). */
export function evaluateSize(s: Size, binding: Binding): number {
  let value = s.numerator / s.denominator;
  for (const [v, e] of s.factors) {
    const x = binding[v.name];
    if (x === undefined) throw new Error(`internal error: size variable \`${v.name}\` has no value in the binding; please report this`);
    value *= x ** e;
  }
  return value;
}

/**
 * The exact value of `s` under `binding` if it is a positive integer, else null. Computed as an
 * exact ratio of integers (numerator and denominator built separately), so 6/3 is 2 and 5/3 is null
 * without floating-point doubt.
 */
export function integerValue(s: Size, binding: Binding): number | null {
  let num = s.numerator;
  let den = s.denominator;
  for (const [v, e] of s.factors) {
    const x = binding[v.name];
    if (x === undefined || !Number.isSafeInteger(x) || x <= 0) return null;
    if (e > 0) num *= x ** e;
    else den *= x ** -e;
  }
  if (!Number.isSafeInteger(num) || !Number.isSafeInteger(den) || num % den !== 0) return null;
  return num / den;
}

/** True when `s` is a positive integer under every binding in `bindings`. */
export function isPositiveIntegerForAll(s: Size, bindings: readonly Binding[]): boolean {
  return bindings.every((b) => integerValue(s, b) !== null);
}

/** Total order on sizes by key, for deterministic output. */
export function compareSizes(a: Size, b: Size): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}
