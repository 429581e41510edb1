/**
 * The shape distance: a lower bound on the number of construction steps still needed before a state
 * can be finished (dealt to the input and the weights, primitives.ts `completions`). The guided
 * search prunes a state at depth t when t + distance > maxDepth, and its rollouts only take steps
 * that keep the bound within the depth left, so nearly every rollout ends in an operator.
 *
 * A state is finishable (distance 0) exactly when
 *   - no Stride is left on the frontier (only an Unfold may consume one),
 *   - for every input size s, the frontier holds at least need(s) *distinct* expressions of size s
 *     (the input may not read one expression twice), and
 *   - what is left after the input can be dealt to at most `maxWeights` weights without a weight
 *     holding an expression twice: an expression with more than `maxWeights` copies must give one
 *     copy to the input, so per size at most need(s) of them.
 * `isFinishable` checks this in linear time; test/search/distance.test.ts checks it against
 * `completions(state).length > 0` on every state of the reference specs to depth 4.
 *
 * Otherwise the distance is max(1, S, D'), where S is the number of Strides on the frontier (each
 * needs its own Unfold: an Unfold consumes one window) and D' bounds the steps that close the
 * deficit D = Σ_s max(0, need(s) − have(s)) of distinct expressions of the input's sizes:
 *   - every step adds at most one new distinct expression, except Merge, which adds two (⌊d/B⌋ and
 *     d mod B); Share adds a copy, not a distinct expression; Expand and Stride add none usable;
 *   - a Merge closes two units of deficit only if its inner half d mod B (size B, a block size)
 *     closes one, so the two-unit steps number at most D_B = Σ_{s ∈ blockSizes} deficit(s);
 *   - hence D' = D − min(D_B, ⌊D/2⌋) when Merge is enabled, else D.
 * A third term (`sizeLevel`) asks how many steps a missing size needs at all: sizes come only from
 * the reduction and block sizes, |d|/B, |a|·|b| and existing sizes, so a size that no chain of such
 * steps from the frontier's sizes reaches within maxDepth makes the state a dead end (Infinity).
 * Each argument only counts what a step *can* add, so the bound never exceeds the true distance
 * (admissible); the test compares it with the exact distance found by exhaustive search.
 */
import type { Dim, State } from './ir.js';
import { div, isOne, isPositiveIntegerForAll, mul, type Size } from './size.js';
import { legalityBindings } from './primitives.js';
import type { SearchSpec } from './spec.js';

const isStrideTop = (d: Dim) => d.node.kind === 'stride';

interface ShapeCounts {
  readonly strides: number;
  /** Distinct frontier expressions per size (Stride tops excluded). */
  readonly have: Map<Size, number>;
  /** Distinct expressions per size with more copies than the weights can take. */
  readonly over: Map<Size, number>;
  readonly tooMany: boolean;
}

function countShape(state: State, spec: SearchSpec): ShapeCounts {
  const copies = new Map<Dim, number>();
  for (const d of state.frontier) copies.set(d, (copies.get(d) ?? 0) + 1);
  const have = new Map<Size, number>();
  const over = new Map<Size, number>();
  let strides = 0;
  let tooMany = false;
  for (const [d, n] of copies) {
    if (isStrideTop(d)) {
      strides += n;
      continue;
    }
    have.set(d.size, (have.get(d.size) ?? 0) + 1);
    if (n > spec.maxWeights) over.set(d.size, (over.get(d.size) ?? 0) + 1);
    if (n > spec.maxWeights + 1) tooMany = true;
  }
  return { strides, have, over, tooMany };
}

function inputNeeds(spec: SearchSpec): Map<Size, number> {
  const need = new Map<Size, number>();
  for (const i of spec.inputs) need.set(i.size, (need.get(i.size) ?? 0) + 1);
  return need;
}

/** True when `completions(state, spec)` is not empty (see the file comment). */
export function isFinishable(state: State, spec: SearchSpec): boolean {
  const c = countShape(state, spec);
  if (c.strides > 0 || c.tooMany) return false;
  const need = inputNeeds(spec);
  for (const [s, n] of need) if ((c.have.get(s) ?? 0) < n || (c.over.get(s) ?? 0) > n) return false;
  for (const [s, n] of c.over) if (n > (need.get(s) ?? 0)) return false;
  return true;
}

/** Distances already computed, per spec and state (states are interned, so the object is the key). */
const distanceCache = new WeakMap<SearchSpec, WeakMap<State, number>>();

/** Admissible lower bound on the steps before `state` can be finished (0 iff it can be now); memoized per (spec, state). */
export function shapeDistance(state: State, spec: SearchSpec): number {
  let perSpec = distanceCache.get(spec);
  if (!perSpec) distanceCache.set(spec, (perSpec = new WeakMap()));
  let d = perSpec.get(state);
  if (d === undefined) {
    d = computeShapeDistance(state, spec);
    perSpec.set(state, d);
  }
  return d;
}

function computeShapeDistance(state: State, spec: SearchSpec): number {
  if (isFinishable(state, spec)) return 0;
  const c = countShape(state, spec);
  let deficit = 0;
  let blockDeficit = 0;
  const blocks = new Set(spec.blockSizes);
  for (const [s, n] of inputNeeds(spec)) {
    const missing = Math.max(0, n - (c.have.get(s) ?? 0));
    deficit += missing;
    if (blocks.has(s)) blockDeficit += missing;
  }
  const merges = spec.primitives.includes('merge') ? Math.min(blockDeficit, Math.floor(deficit / 2)) : 0;
  const missing = [...inputNeeds(spec)].filter(([s, n]) => (c.have.get(s) ?? 0) < n).map(([s]) => s);
  return Math.max(1, c.strides, deficit - merges, sizeLevel(state, spec, missing));
}

interface SizeLevels {
  readonly level: Map<Size, number>;
  /** The level of every size not in `level`: Infinity when the closure was followed to maxDepth. */
  readonly beyond: number;
  /** Input sizes no chain of steps can make at all (`unreachableInputs`): Infinity whatever the cap. */
  readonly never: ReadonlySet<Size>;
}

/** A small number per interned size (cache keys of numbers, not of the sizes' text). */
const sizeNumbers = new Map<Size, number>();
const sizeNumber = (s: Size): number => {
  let n = sizeNumbers.get(s);
  if (n === undefined) sizeNumbers.set(s, (n = sizeNumbers.size));
  return n;
};

const levelCache = new WeakMap<SearchSpec, Map<string, SizeLevels>>();

/** Sizes followed before giving up (then an unseen size gets the level being built: still a lower bound). */
const LEVEL_CAP = 24;

/**
 * The fewest steps before the frontier can hold a *new* expression of each missing size: a step
 * creates sizes only as a reduction size (Reduce, while reductions are left), a block size or |d|/B
 * (Merge), |a|·|b| (Split) or an existing size (Shift, Unfold). T_1 = what one step makes from the
 * frontier's sizes, T_{i+1} = what one step makes from those and T_1…T_i — a superset of the sizes
 * that i steps can make, so a size first in T_i needs at least i steps, and one in no T_i up to
 * maxDepth can never be made (Infinity). Where no step lowers a primary exponent
 * (`exponentsNeverFall`: all block sizes are coefficient-only, as on the 1-D and 2-D reference specs),
 * a size with more of some primary variable than every input size (C_out·H, or C_out where the input
 * has no C_out) is not followed: none of its descendants can be an input size. That keeps the closure
 * under the cap on the 2-D spec, where following C_out·H, C_out·H·W, … had made it give up and count
 * every unseen size at the current level, so dead ends (no way to make H once it was Split away)
 * passed as 3 steps from finished.
 */
function sizeLevel(state: State, spec: SearchSpec, missing: readonly Size[]): number {
  if (missing.length === 0) return 0;
  const reduceLeft = spec.primitives.includes('reduce') && state.reductions.length < spec.maxReductions;
  const start = [...new Set(state.frontier.filter((d) => !isStrideTop(d)).map((d) => d.size))];
  const key = `${reduceLeft ? 1 : 0}|${start.map(sizeNumber).sort((a, b) => a - b).join(',')}`;
  let perSpec = levelCache.get(spec);
  if (!perSpec) levelCache.set(spec, (perSpec = new Map()));
  let levels = perSpec.get(key);
  if (!levels) {
    levels = sizeLevels(start, reduceLeft, spec);
    perSpec.set(key, levels);
  }
  let worst = 0;
  for (const s of missing) worst = Math.max(worst, levels.never.has(s) ? Infinity : (levels.level.get(s) ?? levels.beyond));
  return worst;
}

/** Products and quotients of interned sizes, memoized by the pair (building a size is the costly part of `sizeLevels`). */
const products = new Map<Size, Map<Size, Size>>();
const quotients = new Map<Size, Map<Size, Size>>();

function memo2(table: Map<Size, Map<Size, Size>>, a: Size, b: Size, f: (a: Size, b: Size) => Size): Size {
  let row = table.get(a);
  if (!row) table.set(a, (row = new Map()));
  let r = row.get(b);
  if (!r) row.set(b, (r = f(a, b)));
  return r;
}

/** Whether a size is a positive integer under the spec's legality bindings, memoized per spec. */
const legalCache = new WeakMap<SearchSpec, Map<Size, boolean>>();

function isLegalSize(s: Size, spec: SearchSpec): boolean {
  let perSpec = legalCache.get(spec);
  if (!perSpec) legalCache.set(spec, (perSpec = new Map()));
  let ok = perSpec.get(s);
  if (ok === undefined) perSpec.set(s, (ok = isPositiveIntegerForAll(s, legalityBindings(spec))));
  return ok;
}

/** The exponents of a size's primary variables (C_in, L, …), by name; coefficient variables left out. */
function primaryExponents(s: Size): Map<string, number> {
  const e = new Map<string, number>();
  for (const [v, x] of s.factors) if (v.kind === 'primary') e.set(v.name, x);
  return e;
}

const nonNegative = (s: Size): boolean => [...primaryExponents(s).values()].every((x) => x >= 0);

/**
 * True when no step can lower any primary exponent of a size: every block size is coefficient-only
 * (Merge's outer half |d|/B keeps the primary exponents of d) and every reduction size and frontier
 * size has non-negative primary exponents (a Split's product then has at least the exponents of each
 * factor). Then a size whose primary exponents exceed, in some variable, those of every input size
 * can never lead to an input size, and the closure need not follow it.
 */
function exponentsNeverFall(start: readonly Size[], spec: SearchSpec): boolean {
  return spec.blockSizes.every((b) => primaryExponents(b).size === 0) && spec.reduceSizes.every(nonNegative) && start.every(nonNegative);
}

/** a ≤ b in every primary exponent. */
function below(a: Map<string, number>, b: Map<string, number>): boolean {
  for (const [v, x] of a) if (x > (b.get(v) ?? 0)) return false;
  return true;
}

const vectorKey = (e: Map<string, number>): string =>
  [...e]
    .filter(([, x]) => x !== 0)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([v, x]) => `${v}^${x}`)
    .join('*');

/**
 * Where `exponentsNeverFall` holds, the input sizes whose primary exponents no step sequence can
 * produce, however long: a step makes a size with the primary exponents of an existing size (Shift,
 * Unfold, Merge's outer half), of a reduction size, none (a block), or the sum of two (Split). So the
 * reachable exponent vectors are the sums of the frontier's and the reduction sizes' vectors, and
 * only those below some input size's can matter; an input size whose vector is not among them can
 * never be made. This is the part of the size closure that the cap on followed sizes cannot cut.
 */
function unreachableInputs(start: readonly Size[], reduceLeft: boolean, spec: SearchSpec): Set<Size> {
  const inputs = spec.inputs.map((i) => primaryExponents(i.size));
  const fits = (e: Map<string, number>): boolean => inputs.some((i) => below(e, i));
  const seeds = [...start, ...(reduceLeft ? spec.reduceSizes : [])].map(primaryExponents).filter(fits);
  const reach = new Map<string, Map<string, number>>([['', new Map()]]);
  for (const e of seeds) reach.set(vectorKey(e), e);
  for (let grew = true; grew; ) {
    grew = false;
    for (const a of [...reach.values()]) {
      for (const b of [...reach.values()]) {
        const c = new Map(a);
        for (const [v, x] of b) c.set(v, (c.get(v) ?? 0) + x);
        const k = vectorKey(c);
        if (reach.has(k) || !fits(c)) continue;
        reach.set(k, c);
        grew = true;
      }
    }
  }
  return new Set(spec.inputs.map((i) => i.size).filter((s) => !reach.has(vectorKey(primaryExponents(s)))));
}

function sizeLevels(start: readonly Size[], reduceLeft: boolean, spec: SearchSpec): SizeLevels {
  const has = new Set(spec.primitives);
  const level = new Map<Size, number>();
  const inputs = spec.inputs.map((i) => primaryExponents(i.size));
  const prune = exponentsNeverFall(start, spec);
  // Sizes none of whose descendants can be an input size are not followed (they still get a level).
  const useful = (s: Size): boolean => !prune || inputs.some((i) => below(primaryExponents(s), i));
  const known: Size[] = start.filter(useful);
  const never = prune ? unreachableInputs(start, reduceLeft, spec) : new Set<Size>();
  const seen = new Set<Size>(start);
  for (let i = 1; i <= spec.maxDepth; i++) {
    // Too many sizes to follow: every size not seen yet needs at least i steps.
    if (known.length > LEVEL_CAP) return { level, beyond: i, never };
    const made = new Set<Size>();
    if (has.has('shift') || has.has('unfold')) for (const s of known) made.add(s);
    if (reduceLeft) for (const s of spec.reduceSizes) made.add(s);
    if (has.has('merge')) {
      for (const b of spec.blockSizes) {
        if (isOne(b)) continue;
        for (const s of known) {
          const outer = memo2(quotients, s, b, div);
          if (isOne(outer) || !isLegalSize(outer, spec)) continue;
          made.add(b);
          made.add(outer);
        }
      }
    }
    if (has.has('split')) for (const a of known) for (const b of known) made.add(memo2(products, a, b, mul));
    for (const s of made) if (!level.has(s)) level.set(s, i);
    for (const s of made) {
      if (seen.has(s)) continue;
      seen.add(s);
      if (useful(s)) known.push(s);
    }
  }
  return { level, beyond: Infinity, never };
}

/** True when a state reached in `depth` steps can still be finished within the spec's depth. */
export function canFinishWithin(state: State, depth: number, spec: SearchSpec): boolean {
  return depth + shapeDistance(state, spec) <= spec.maxDepth;
}
