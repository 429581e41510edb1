/**
 * The reference operators a `search` block may name (teachers and budget yardsticks): every operator of
 * the search library (src/search/library.ts), spelt with `_` for `-` (`low_rank`, `depthwise_conv1d`),
 * and `fully_connected`, the most general linear operator of the search's own interface (every output
 * element reads every input element through its own weight; src/search/teacher.ts).
 */
import { namedOperators, type NamedOperator } from '../search/library.js';
import type { Operator } from '../search/ir.js';
import type { Size } from '../search/size.js';
import type { OperatorInterface } from '../search/primitives.js';
import { monomialConstant, monomialMul, monomialVariable, type Monomial } from './search-sizes.js';

export const FULLY_CONNECTED = 'fully_connected';

let library: Map<string, NamedOperator> | undefined;

/** The library's operators by their language name, in the library's order. */
export function libraryOperators(): ReadonlyMap<string, NamedOperator> {
  library ??= new Map(namedOperators().map((o) => [o.name.replace(/-/g, '_'), o]));
  return library;
}

/** Every name a reference-operator field accepts, in a fixed order. */
export function referenceOperatorNames(): string[] {
  return [...libraryOperators().keys(), FULLY_CONNECTED];
}

/** A search-library size as the front end's plain monomial. */
export function monomialOf(s: Size): Monomial {
  let m = monomialConstant(s.numerator, s.denominator);
  for (const [v, e] of s.factors) for (let i = 0; i < Math.abs(e); i++) m = monomialMul(m, monomialVariable(v.name), e < 0);
  return m;
}

/** Every size a library operator touches: its interface, each tensor dimension and every iterator they read. */
function sizesTouched(iface: OperatorInterface, op: Operator): Size[] {
  const out: Size[] = [...iface.inputs, ...iface.outputs].map((d) => d.size);
  for (const d of [...op.input, ...op.weights.flat(), ...op.reductions]) {
    out.push(d.size);
    d.iterators.forEach((it) => out.push(it.size));
  }
  return out;
}

/** The size variables a library operator reads, with their kinds (`C_in`: primary, `k`: coefficient). */
export function operatorVariables(iface: OperatorInterface, op: Operator): Map<string, 'primary' | 'coefficient'> {
  const out = new Map<string, 'primary' | 'coefficient'>();
  for (const s of sizesTouched(iface, op)) s.factors.forEach(([v]) => out.set(v.name, v.kind));
  return out;
}

/** Every size a library operator uses (interface, tensor dimensions, iterators), deduplicated, as monomials. */
export function operatorSizes(iface: OperatorInterface, op: Operator): Monomial[] {
  const out = new Map<string, Size>();
  for (const s of sizesTouched(iface, op)) out.set(s.key, s);
  return [...out.values()].map(monomialOf);
}

/** The variable kinds the library fixes (`C` is primary in every operator that uses it). */
export function libraryVariableKinds(): Map<string, 'primary' | 'coefficient'> {
  const out = new Map<string, 'primary' | 'coefficient'>();
  for (const o of libraryOperators().values()) for (const [v, k] of operatorVariables(o.iface, o.operator)) out.set(v, k);
  return out;
}
