/**
 * Canonicalization: rules that stop different constructions of one operator from being counted and
 * searched separately. Hash-consing already merges construction orders that commute (a state is a
 * multiset, so Reduce-then-Share and Share-then-Reduce meet); these rules target the rest — chains
 * that differ as expressions but not in meaning.
 *
 * The table is declarative: each rule has a name, the equivalence it relies on and why pruning is
 * sound (the equivalent construction is still generated, with no more steps), and can be switched
 * off by name. test/search/canonical.test.ts checks each rule against the semantic fingerprint: with
 * and without the rule the enumerator must reach the same set of fingerprints.
 *
 * Two kinds: `prune` rules forbid a step in a context; `normalize` rules rewrite a finished operator
 * to a representative of its class.
 */
import {
  compareByKey,
  makeOperator,
  mergeHi,
  mergeLo,
  shift,
  split,
  stride,
  unfold,
  viewDepth,
  type Dim,
  type Op,
  type Operator,
  type State,
} from './ir.js';
import { multiplicities } from './primitives.js';
import { div, mul, type Size } from './size.js';
import type { SearchSpec } from './spec.js';

export interface PruneRule {
  readonly kind: 'prune';
  readonly name: string;
  /** The equivalence and why forbidding the step loses no operator. */
  readonly why: string;
  readonly forbids: (state: State, op: Op, spec: SearchSpec) => boolean;
}

export interface NormalizeRule {
  readonly kind: 'normalize';
  readonly name: string;
  readonly why: string;
  readonly normalize: (op: Operator) => Operator;
}

export type CanonicalRule = PruneRule | NormalizeRule;

/** True when `d` occurs inside expression `f` (or is `f`). */
function occursIn(d: Dim, f: Dim): boolean {
  if (f === d) return true;
  const n = f.node;
  switch (n.kind) {
    case 'output':
    case 'reduce':
      return false;
    case 'split':
      return occursIn(d, n.hi) || occursIn(d, n.lo);
    case 'unfold':
      return occursIn(d, n.main) || occursIn(d, n.window);
    default:
      return occursIn(d, n.of);
  }
}

/**
 * An expression on the frontier once and inside no other frontier expression: nothing else has read
 * it, so replacing it (and what was built from it) cannot change another tensor.
 */
function isLone(state: State, d: Dim): boolean {
  if (multiplicities(state).get(d) !== 1) return false;
  return state.frontier.every((f) => f === d || !occursIn(d, f));
}

const isLoneReduction = (state: State, d: Dim) => d.node.kind === 'reduce' && isLone(state, d);

const has = (sizes: readonly Size[], s: Size) => sizes.includes(s);

export const CANONICAL_RULES: readonly CanonicalRule[] = [
  {
    kind: 'prune',
    name: 'split-right-assoc',
    why: 'Split(Split(a, b), c) = Split(a, Split(b, c)) = a·|b|·|c| + b·|c| + c; keep the right-nested form (same number of steps) — only when the inner Split is lone: a Shared a·|b| + b read by another tensor cannot be rebuilt after a and b went into the right-nested form, and Split(b, b) is no move (both found by the depth-6 counts benchmark)',
    forbids: (state, op) => {
      if (op.primitive !== 'split') return false;
      const [inner, c] = op.operands as [Dim, Dim];
      // Split(b, c) must exist for the right-nested form: not when c is b itself (Split(b, b) is no move).
      return inner.node.kind === 'split' && inner.node.lo !== c && isLone(state, inner);
    },
  },
  {
    kind: 'prune',
    name: 'split-undoes-merge',
    why: 'Split(⌊d/B⌋, d mod B) = d when neither half was read elsewhere (Shared) and no other copy of d is on the frontier: the state without both steps is reached with two fewer',
    forbids: (state, op) => {
      if (op.primitive !== 'split') return false;
      const [hi, lo] = op.operands as [Dim, Dim];
      const h = hi.node;
      const l = lo.node;
      return (
        h.kind === 'merge-hi' &&
        l.kind === 'merge-lo' &&
        h.of === l.of &&
        h.block === l.block &&
        isLone(state, hi) &&
        isLone(state, lo) &&
        // …and no other copy of d is around: Split(a·|b| + b, d) could then read d twice, which the
        // shorter construction cannot (Split(d, d) is no move).
        state.frontier.every((f) => f === hi || f === lo || !occursIn(h.of, f))
      );
    },
  },
  {
    kind: 'prune',
    name: 'merge-undoes-split',
    why: 'Merge(a·|b| + b, |b|) gives back a and b when the Split was read nowhere else and no other copy of a or b is on the frontier: the state without both steps is reached with two fewer',
    forbids: (state, op) => {
      if (op.primitive !== 'merge') return false;
      const s = op.operands[0]!;
      if (s.node.kind !== 'split' || s.node.lo.size !== op.size || !isLone(state, s)) return false;
      // …and no other copy of a or b is around (the halves could otherwise be split with it, which
      // the shorter construction cannot: Split(b, b) is no move).
      const { hi, lo } = s.node;
      return state.frontier.every((f) => f === s || (!occursIn(hi, f) && !occursIn(lo, f)));
    },
  },
  {
    kind: 'prune',
    name: 'merge-inner-first',
    why: 'Merge(⌊d/B1⌋, B2) then gives ⌊d/(B1·B2)⌋, ⌊d/B1⌋ mod B2, d mod B1 — the same three indices as Merge(d, B1·B2) then Merge(d mod B1·B2, B1); forbidden only when B1·B2 is itself an allowed block and ⌊d/B1⌋ is lone',
    forbids: (state, op, spec) => {
      if (op.primitive !== 'merge') return false;
      const d = op.operands[0]!;
      // Lone, for the same reason as split-right-assoc: a Shared ⌊d/B1⌋ is not rebuilt by the other order.
      return d.node.kind === 'merge-hi' && has(spec.blockSizes, mul(d.node.block, op.size!)) && isLone(state, d);
    },
  },
  {
    kind: 'prune',
    name: 'shift-of-lone-reduction',
    why: 'Σ_r f((r+1) mod N) = Σ_r f(r): a Shift of a reduction nothing else reads is absorbed by the sum (every later use goes through the shifted copy)',
    forbids: (state, op) => op.primitive === 'shift' && isLoneReduction(state, op.operands[0]!),
  },
  {
    kind: 'prune',
    name: 'merge-of-lone-reduction',
    why: 'Σ_{r<A·B} f(⌊r/B⌋, r mod B) = Σ_{a<A} Σ_{b<B} f(a, b): Reduce(A·B)+Merge equals Reduce(A)+Reduce(B) (same steps) when A and B are allowed reduction sizes and one more reduction fits',
    forbids: (state, op, spec) => {
      if (op.primitive !== 'merge') return false;
      const d = op.operands[0]!;
      if (!isLoneReduction(state, d)) return false;
      const outer = mergeHi(d, op.size!).size;
      return has(spec.reduceSizes, outer) && has(spec.reduceSizes, op.size!) && state.reductions.length < spec.maxReductions;
    },
  },
  {
    kind: 'prune',
    name: 'split-of-lone-reductions',
    why: 'Σ_a Σ_b f(a·|b| + b) = Σ_{r<|a|·|b|} f(r): Split of two reductions nothing else reads equals one Reduce(|a|·|b|) (fewer steps) when that size is allowed',
    forbids: (state, op, spec) => {
      if (op.primitive !== 'split') return false;
      const [a, b] = op.operands as [Dim, Dim];
      return isLoneReduction(state, a) && isLoneReduction(state, b) && has(spec.reduceSizes, mul(a.size, b.size));
    },
  },
  {
    kind: 'normalize',
    name: 'simplify-views',
    why: 'index identities that hold for every in-range value: ⌊⌊s/B1⌋/B2⌋ = ⌊s/(B1·B2)⌋, ⌊(a·|b| + b)/|b|⌋ = a, (a·|b| + b) mod |b| = b, ⌊s/B⌋·B + s mod B = s, and with q a size known to be an integer (one the operator already uses, or a monomial without negative exponents): ⌊(a·|b| + b)/B⌋ = a·q + ⌊b/B⌋ and (a·|b| + b) mod B = b mod B when |b| = B·q, ⌊(a·|b| + b)/B⌋ = ⌊a/q⌋ and (a·|b| + b) mod B = (a mod q)·|b| + b when B = |b|·q; rewriting an expression to an equal one leaves the index relation unchanged',
    normalize: simplifyViews,
  },
  {
    kind: 'normalize',
    name: 'dependent-weight-axes',
    why: 'when one index expression e of a weight is a function of the weight\'s other expressions R (e = o mod g or ⌊o/B⌋ next to o; shift(e) next to e; r next to o·|r| + r; no Unfold in e, so e never puts a term out of range), the elements the operator reads are {(F(R), R)}, in bijection with the tuples R: w[e, R] → w′[R] with w′[R] = w[F(R), R] is a relabelling of the live elements, and the elements it drops were never read (dead: they cannot change y). The normal form is the one without dead elements, so cost.ts parameters of a normalized operator count live parameters only; the fingerprint ignores dead elements. F exists when e is built by views from expressions recoverable from R (R itself, the halves of a Split in R, the argument of a Shift in R, e from ⌊e/B⌋ and e mod B in R)',
    normalize: dropDependentWeightAxes,
  },
  {
    kind: 'normalize',
    name: 'data-bijection-of-reduction',
    why: 'Σ_r x[φ(r)] · Π_j w_j[…, r, …] = Σ_r x[r] · Π_j w_j[…, φ⁻¹(r), …] for a bijective view φ (Shifts, transposes ⌊r/B⌋ / r mod B put back together): when the input reads r only through φ(r) and every weight reads r only as a whole dimension, φ⁻¹ only relabels each such weight along one axis, so x[φ(r)] → x[r]; the result is built by the same steps minus the views',
    normalize: undoDataBijections,
  },
  {
    kind: 'normalize',
    name: 'weight-bijections',
    why: 'weight elements are anonymous, so a bijective view inside one weight is a relabelling of its elements: w[shift(e)] → w[e], w[split(a, b)] → w[a, b], w[⌊e/B⌋, e mod B] → w[e], w[⌊e/(B1·B2)⌋, ⌊e/B1⌋ mod B2] → w[⌊e/B1⌋] (skipped where it would repeat a dim); the result is built by the same steps minus these views',
    normalize: undoWeightBijections,
  },
  {
    kind: 'normalize',
    name: 'relabel-equal-reductions',
    why: 'reductions of equal size are interchangeable bound variables: rename them to the assignment with the smallest key',
    normalize: relabelReductions,
  },
];

function sortedWeights(weights: readonly (readonly Dim[])[]): Dim[][] {
  return weights
    .map((w) => [...w].sort(compareByKey))
    .sort((a, b) => {
      const ka = a.map((d) => d.key).join(',');
      const kb = b.map((d) => d.key).join(',');
      return ka < kb ? -1 : ka > kb ? 1 : 0;
    });
}

/** One weight with every bijective top view peeled off (see rule `weight-bijections`). */
function peelWeight(weight: readonly Dim[]): Dim[] {
  let dims = [...weight];
  for (let changed = true; changed; ) {
    changed = false;
    for (const d of dims) {
      const n = d.node;
      const others = dims.filter((x) => x !== d);
      let replacement: Dim[] | null = null;
      let drop: Dim[] = [d];
      if (n.kind === 'shift') replacement = [n.of];
      else if (n.kind === 'split') replacement = [n.hi, n.lo];
      else if (n.kind === 'merge-hi') {
        const lo = others.find((x) => x.node.kind === 'merge-lo' && x.node.of === n.of && x.node.block === n.block);
        if (lo) {
          replacement = [n.of];
          drop = [d, lo];
        } else {
          // ⌊s/(B1·B2)⌋ with ⌊s/B1⌋ mod B2 is the pair of ⌊s/B1⌋ after rule simplify-views merged ⌊⌊s/B1⌋/B2⌋.
          const inner = others.find((x) => {
            const m = x.node;
            return m.kind === 'merge-lo' && m.of.node.kind === 'merge-hi' && m.of.node.of === n.of && mul(m.of.node.block, m.block) === n.block;
          });
          if (inner && inner.node.kind === 'merge-lo') {
            replacement = [inner.node.of];
            drop = [d, inner];
          }
        }
      }
      if (!replacement) continue;
      const kept = dims.filter((x) => !drop.includes(x));
      if (replacement.some((x) => kept.includes(x)) || new Set(replacement).size !== replacement.length) continue;
      dims = [...kept, ...replacement];
      changed = true;
      break;
    }
  }
  return dims;
}

/**
 * Sizes known to be integers wherever the operator is defined: every size of an expression, Merge
 * block and reduction in it (each step's sizes are positive integers under every binding of the spec),
 * and every monomial with an integer coefficient and no negative exponent.
 */
function integralSizes(op: Operator): (s: Size) => boolean {
  const known = new Set<Size>();
  const add = (d: Dim): void => {
    known.add(d.size);
    const n = d.node;
    if (n.kind === 'merge-hi' || n.kind === 'merge-lo') known.add(n.block);
    if (n.kind === 'split') [n.hi, n.lo].forEach(add);
    else if (n.kind === 'unfold') [n.main, n.window].forEach(add);
    else if (n.kind !== 'output' && n.kind !== 'reduce') add(n.of);
  };
  [...op.outputs, ...op.input, ...op.weights.flat(), ...op.reductions].forEach(add);
  return (s) => known.has(s) || (s.denominator === 1 && s.factors.every(([, e]) => e > 0));
}

/** `d` with the identities of rule `simplify-views` applied bottom-up until none applies. */
function simplifyDim(d: Dim, integral: (s: Size) => boolean): Dim {
  const n = d.node;
  const again = (x: Dim) => simplifyDim(x, integral);
  switch (n.kind) {
    case 'output':
    case 'reduce':
      return d;
    case 'merge-hi': {
      const of = again(n.of);
      const m = of.node;
      if (m.kind === 'merge-hi') return again(mergeHi(m.of, mul(m.block, n.block)));
      if (m.kind === 'split') {
        if (m.lo.size === n.block) return m.hi;
        // ⌊(a·|b| + b)/B⌋ = a·q + ⌊b/B⌋ when |b| = B·q, and = ⌊a/q⌋ when B = |b|·q (q an integer).
        const q = div(m.lo.size, n.block);
        if (integral(q)) return again(split(m.hi, mergeHi(m.lo, n.block)));
        const p = div(n.block, m.lo.size);
        if (integral(p)) return again(mergeHi(m.hi, p));
      }
      return mergeHi(of, n.block);
    }
    case 'merge-lo': {
      const of = again(n.of);
      const m = of.node;
      if (m.kind === 'split') {
        if (m.lo.size === n.block) return m.lo;
        // (a·|b| + b) mod B = b mod B when |b| = B·q, and = (a mod q)·|b| + b when B = |b|·q.
        const q = div(m.lo.size, n.block);
        if (integral(q)) return again(mergeLo(m.lo, n.block));
        const p = div(n.block, m.lo.size);
        if (integral(p)) return again(split(mergeLo(m.hi, p), m.lo));
      }
      return mergeLo(of, n.block);
    }
    case 'split': {
      const hi = again(n.hi);
      const lo = again(n.lo);
      const a = hi.node;
      const b = lo.node;
      if (a.kind === 'merge-hi' && b.kind === 'merge-lo' && a.of === b.of && a.block === b.block) return a.of;
      return split(hi, lo);
    }
    case 'shift':
      return shift(again(n.of));
    case 'stride':
      return stride(again(n.of), n.stride);
    case 'unfold':
      return unfold(again(n.main), again(n.window));
  }
}

export function simplifyViews(op: Operator): Operator {
  const integral = integralSizes(op);
  const input = op.input.map((d) => simplifyDim(d, integral));
  const weights = op.weights.map((w) => w.map((d) => simplifyDim(d, integral)));
  // A simplification that makes a weight hold one expression twice would change the tensor's shape
  // (w[a, a] is not a layout): keep that weight as it was.
  const kept = weights.map((w, j) => (new Set(w).size === w.length ? w : [...op.weights[j]!]));
  if (input.every((d, i) => d === op.input[i]) && kept.every((w, j) => w.every((d, i) => d === op.weights[j]![i]))) return op;
  return makeOperator(op.outputs, input, sortedWeights(kept), op.reductions);
}

/**
 * The expression `e` is a bijective view of: peel Shifts and Splits of a Merge pair (⌊x/B⌋·B + x mod B
 * is x; (x mod B)·(|x|/B) + ⌊x/B⌋ is a transpose of x; either half may itself be a bijective view of
 * its Merge half) while they apply.
 */
function bijectiveRoot(e: Dim): Dim {
  const n = e.node;
  if (n.kind === 'shift') return bijectiveRoot(n.of);
  if (n.kind === 'split') {
    const a = bijectiveRoot(n.hi).node;
    const b = bijectiveRoot(n.lo).node;
    const pair = (a.kind === 'merge-hi' && b.kind === 'merge-lo') || (a.kind === 'merge-lo' && b.kind === 'merge-hi');
    if (pair && a.of === b.of && a.block === b.block) return bijectiveRoot(a.of);
  }
  return e;
}

/** True when an Unfold occurs in `d` (its range check can drop a term, so `d` is never dropped). */
function hasUnfold(d: Dim): boolean {
  const n = d.node;
  switch (n.kind) {
    case 'output':
    case 'reduce':
      return false;
    case 'unfold':
      return true;
    case 'split':
      return hasUnfold(n.hi) || hasUnfold(n.lo);
    default:
      return hasUnfold(n.of);
  }
}

/**
 * The expressions whose values follow from the values of `known` by exact index arithmetic: `known`
 * itself, then the halves of a Split (hi = ⌊s/|lo|⌋, lo = s mod |lo|), the argument of a Shift
 * ((e + 1) mod |e| − 1 mod |e|), and e from ⌊e/B⌋ and e mod B (⌊e/B⌋·B + e mod B), to a fixpoint.
 */
function recoverable(known: readonly Dim[]): Set<Dim> {
  const got = new Set<Dim>();
  const add = (d: Dim): void => {
    if (got.has(d)) return;
    got.add(d);
    const n = d.node;
    if (n.kind === 'split') {
      add(n.hi);
      add(n.lo);
    } else if (n.kind === 'shift') add(n.of);
  };
  known.forEach(add);
  for (let changed = true; changed; ) {
    changed = false;
    for (const d of [...got]) {
      const n = d.node;
      if (n.kind !== 'merge-hi' || got.has(n.of)) continue;
      if (got.has(mergeLo(n.of, n.block))) {
        add(n.of);
        changed = true;
      }
    }
  }
  return got;
}

/** True when `e` is computed by views (Merge halves, Split, Shift, Stride) from expressions in `got`. */
function computableFrom(e: Dim, got: ReadonlySet<Dim>): boolean {
  if (got.has(e)) return true;
  const n = e.node;
  switch (n.kind) {
    case 'output':
    case 'reduce':
    case 'unfold':
      return false;
    case 'split':
      return computableFrom(n.hi, got) && computableFrom(n.lo, got);
    default:
      return computableFrom(n.of, got);
  }
}

/**
 * One weight without the expressions that are functions of its other expressions (rule
 * `dependent-weight-axes`): repeatedly drop the deepest (then largest-key) droppable one, so the
 * simpler expressions stay.
 */
function dropDependent(weight: readonly Dim[]): Dim[] {
  let dims = [...weight];
  for (let changed = true; changed && dims.length > 1; ) {
    changed = false;
    const order = [...dims].sort((a, b) => viewDepth(b) - viewDepth(a) || compareByKey(b, a));
    for (const e of order) {
      if (hasUnfold(e)) continue;
      const rest = dims.filter((d) => d !== e);
      if (!computableFrom(e, recoverable(rest))) continue;
      dims = rest;
      changed = true;
      break;
    }
  }
  return dims;
}

export function dropDependentWeightAxes(op: Operator): Operator {
  const weights = op.weights.map(dropDependent);
  if (weights.every((w, j) => w.length === op.weights[j]!.length)) return op;
  return makeOperator(op.outputs, op.input, sortedWeights(weights), op.reductions);
}

export function undoDataBijections(op: Operator): Operator {
  const input = [...op.input];
  let changed = false;
  input.forEach((e, i) => {
    const r = bijectiveRoot(e);
    if (r === e || r.node.kind !== 'reduce') return;
    const elsewhere = input.some((d, j) => j !== i && d.iterators.includes(r));
    const wholeInWeights = op.weights.every((w) => w.every((d) => d === r || !d.iterators.includes(r)));
    if (elsewhere || !wholeInWeights) return;
    input[i] = r;
    changed = true;
  });
  return changed ? makeOperator(op.outputs, input, op.weights, op.reductions) : op;
}

export function undoWeightBijections(op: Operator): Operator {
  return makeOperator(op.outputs, op.input, sortedWeights(op.weights.map(peelWeight)), op.reductions);
}

/** Rebuild `d` with its iterator leaves renamed by `rename`. */
function substitute(d: Dim, rename: ReadonlyMap<Dim, Dim>): Dim {
  const n = d.node;
  switch (n.kind) {
    case 'output':
    case 'reduce':
      return rename.get(d) ?? d;
    case 'merge-hi':
      return mergeHi(substitute(n.of, rename), n.block);
    case 'merge-lo':
      return mergeLo(substitute(n.of, rename), n.block);
    case 'split':
      return split(substitute(n.hi, rename), substitute(n.lo, rename));
    case 'shift':
      return shift(substitute(n.of, rename));
    case 'stride':
      return stride(substitute(n.of, rename), n.stride);
    case 'unfold':
      return unfold(substitute(n.main, rename), substitute(n.window, rename));
  }
}

function permutationsOf<T>(xs: readonly T[]): T[][] {
  if (xs.length <= 1) return [[...xs]];
  return xs.flatMap((x, i) => permutationsOf([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
}

/** The relabelling of equal-size reductions whose operator key is smallest; weights re-sorted. */
export function relabelReductions(op: Operator): Operator {
  const bySize = new Map<Size, Dim[]>();
  for (const r of op.reductions) bySize.set(r.size, [...(bySize.get(r.size) ?? []), r]);
  const groups = [...bySize.values()].filter((g) => g.length > 1);
  if (groups.length === 0) return op;
  let renamings: Map<Dim, Dim>[] = [new Map()];
  for (const g of groups) {
    renamings = renamings.flatMap((m) => permutationsOf(g).map((p) => new Map([...m, ...g.map((r, i) => [r, p[i]!] as const)])));
  }
  let best = op;
  for (const rename of renamings) {
    const weights = sortedWeights(op.weights.map((w) => w.map((d) => substitute(d, rename))));
    const candidate = makeOperator(
      op.outputs,
      op.input.map((d) => substitute(d, rename)),
      weights,
      op.reductions,
    );
    if (candidate.key < best.key) best = candidate;
  }
  return best;
}

export const RULE_NAMES: readonly string[] = CANONICAL_RULES.map((r) => r.name);

/** The rules in force: every rule except those named in `disabled` (unknown names are a broken invariant). */
export function ruleSet(disabled: readonly string[] = []): readonly CanonicalRule[] {
  for (const name of disabled) {
    if (!RULE_NAMES.includes(name)) throw new Error(`internal error: unknown canonical rule \`${name}\`; known: ${RULE_NAMES.join(', ')}`);
  }
  return CANONICAL_RULES.filter((r) => !disabled.includes(r.name));
}

/** No rules at all: the raw search space. */
export const NO_RULES: readonly CanonicalRule[] = [];

/** True when no prune rule in `rules` forbids `op` from `state`. */
export function allows(rules: readonly CanonicalRule[], state: State, op: Op, spec: SearchSpec): boolean {
  return rules.every((r) => r.kind !== 'prune' || !r.forbids(state, op, spec));
}

/**
 * The operator after the normalize rules in `rules`, applied in table order and repeated until
 * nothing changes (one rule can enable another: peeling a weight's Shift leaves the input's Shift
 * of that reduction undoable). Every rule removes views or lowers the key, so this ends; the cap is
 * a guard.
 */
export function normalize(rules: readonly CanonicalRule[], op: Operator): Operator {
  let current = op;
  for (let pass = 0; pass < 16; pass++) {
    const next = rules.reduce((o, r) => (r.kind === 'normalize' ? r.normalize(o) : o), current);
    if (next === current) return next;
    current = next;
  }
  return current;
}

