/**
 * The sizes of a `search` block as the front end sees them: monomials c · Π v^e over the block's size
 * variables, as plain data (src/search/size.ts interns the same monomials for the search itself; the
 * front end keeps its own copy so that checking a file never registers variables in that process-wide
 * table). Also the bindings: reading `sizes { C = [64, 128]  L = 1024 }` column by column, and
 * deriving the small bindings the fingerprint and the fit run at when the user gives none.
 */

/** A positive rational times a product of variables to integer powers; `vars` sorted by name, no zero exponents. */
export interface Monomial {
  readonly num: number;
  readonly den: number;
  readonly vars: readonly (readonly [string, number])[];
}

export type SizeBinding = Readonly<Record<string, number>>;

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return Math.abs(a);
}

function make(num: number, den: number, exps: ReadonlyMap<string, number>): Monomial {
  const d = gcd(num, den) || 1;
  const vars = [...exps].filter(([, e]) => e !== 0).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return { num: num / d, den: den / d, vars };
}

export function monomialConstant(num: number, den = 1): Monomial {
  return make(num, den, new Map());
}

export function monomialVariable(name: string): Monomial {
  return make(1, 1, new Map([[name, 1]]));
}

export function monomialMul(a: Monomial, b: Monomial, invert = false): Monomial {
  const e = new Map(a.vars);
  for (const [v, x] of b.vars) e.set(v, (e.get(v) ?? 0) + (invert ? -x : x));
  return invert ? make(a.num * b.den, a.den * b.num, e) : make(a.num * b.num, a.den * b.den, e);
}

/** Canonical text, the same as src/search/size.ts's key: `2*C*g^-1`, `L`, `3/2`. */
export function monomialKey(m: Monomial): string {
  const parts: string[] = [];
  if (m.num !== 1 || m.vars.length === 0) parts.push(String(m.num));
  for (const [v, e] of m.vars) parts.push(e === 1 ? v : `${v}^${e}`);
  return parts.join('*') + (m.den === 1 ? '' : `/${m.den}`);
}

/** How a person writes it: `C/g`, `2*k`, `C*L/(g*k)`. */
export function showMonomial(m: Monomial): string {
  const up = m.vars.filter(([, e]) => e > 0).flatMap(([v, e]) => Array<string>(e).fill(v));
  const down = m.vars.filter(([, e]) => e < 0).flatMap(([v, e]) => Array<string>(-e).fill(v));
  if (m.num !== 1 || up.length === 0) up.unshift(String(m.num));
  if (m.den !== 1) down.unshift(String(m.den));
  const top = up.join('*');
  if (down.length === 0) return top;
  return `${top}/${down.length === 1 ? down[0] : `(${down.join('*')})`}`;
}

/** The exact value under `b` if it is a positive whole number, else null (a variable `b` lacks: null). */
export function monomialValue(m: Monomial, b: SizeBinding): number | null {
  let num = m.num;
  let den = m.den;
  for (const [v, e] of m.vars) {
    const x = b[v];
    if (x === undefined || !Number.isSafeInteger(x) || x <= 0) return null;
    if (e > 0) num *= x ** e;
    else den *= x ** -e;
  }
  if (!Number.isSafeInteger(num) || !Number.isSafeInteger(den) || num % den !== 0) return null;
  return num / den;
}

/** `C = 6, g = 4`: the variables of `m` under `b`, for messages. */
export function showBindingOf(m: Monomial, b: SizeBinding): string {
  return m.vars.map(([v]) => `${v} = ${b[v]}`).join(', ');
}

/**
 * Columns of a binding table: variable → its values (one, or one per binding). The i-th binding takes
 * the i-th value of each list; a single value stands in every binding. Returns null when two lists
 * of more than one value differ in length.
 */
export function zipBindings(table: ReadonlyMap<string, readonly number[]>): SizeBinding[] | null {
  const lengths = new Set([...table.values()].map((v) => v.length).filter((n) => n > 1));
  if (lengths.size > 1) return null;
  const n = lengths.size === 1 ? [...lengths][0]! : 1;
  return Array.from({ length: n }, (_, i) => Object.fromEntries([...table].map(([v, xs]) => [v, xs.length === 1 ? xs[0]! : xs[i]!])));
}

export interface DeriveProblem {
  /** Variables to choose, each with the values it may take (ascending). */
  readonly free: readonly (readonly [string, readonly number[]])[];
  /** Variables already fixed. */
  readonly fixed: SizeBinding;
  /** Whether a full binding is acceptable. */
  readonly accept: (b: SizeBinding) => boolean;
  /** Smaller is better; ties keep enumeration order (deterministic). */
  readonly cost: (b: SizeBinding) => number;
  /** Most bindings tried before giving up. */
  readonly limit?: number;
}

/**
 * The cheapest acceptable binding, by exhaustive enumeration of the free variables' values (bounded
 * by `limit`, 500,000 by default); null when none is acceptable within the bound.
 */
export function deriveBinding(p: DeriveProblem): SizeBinding | null {
  const limit = p.limit ?? 500_000;
  let best: SizeBinding | null = null;
  let bestCost = Infinity;
  let tried = 0;
  const current: Record<string, number> = { ...p.fixed };
  const walk = (i: number): boolean => {
    if (i === p.free.length) {
      if (++tried > limit) return false;
      const b = { ...current };
      if (p.accept(b)) {
        const c = p.cost(b);
        if (c < bestCost) {
          best = b;
          bestCost = c;
        }
      }
      return true;
    }
    const [name, values] = p.free[i]!;
    for (const v of values) {
      current[name] = v;
      if (!walk(i + 1)) return false;
    }
    return true;
  };
  walk(0);
  return best;
}
