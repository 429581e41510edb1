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
  type Dim,
  type Op,
  type Operator,
  type State,
} from './ir.js';
import { multiplicities } from './primitives.js';
import { mul, type Size } from './size.js';
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
    why: 'Split(Split(a, b), c) = Split(a, Split(b, c)) = a·|b|·|c| + b·|c| + c; keep the right-nested form (same number of steps)',
    forbids: (_s, op) => op.primitive === 'split' && op.operands[0]!.node.kind === 'split',
  },
  {
    kind: 'prune',
    name: 'split-undoes-merge',
    why: 'Split(⌊d/B⌋, d mod B) = d when neither half was read elsewhere (Shared): the state without both steps is reached with two fewer',
    forbids: (state, op) => {
      if (op.primitive !== 'split') return false;
      const [hi, lo] = op.operands as [Dim, Dim];
      return (
        hi.node.kind === 'merge-hi' &&
        lo.node.kind === 'merge-lo' &&
        hi.node.of === lo.node.of &&
        hi.node.block === lo.node.block &&
        isLone(state, hi) &&
        isLone(state, lo)
      );
    },
  },
  {
    kind: 'prune',
    name: 'merge-undoes-split',
    why: 'Merge(a·|b| + b, |b|) gives back a and b when the Split was read nowhere else: the state without both steps is reached with two fewer',
    forbids: (state, op) =>
      op.primitive === 'merge' && op.operands[0]!.node.kind === 'split' && op.operands[0]!.node.lo.size === op.size && isLone(state, op.operands[0]!),
  },
  {
    kind: 'prune',
    name: 'merge-inner-first',
    why: 'Merge(⌊d/B1⌋, B2) then gives ⌊d/(B1·B2)⌋, ⌊d/B1⌋ mod B2, d mod B1 — the same three indices as Merge(d, B1·B2) then Merge(d mod B1·B2, B1); forbidden only when B1·B2 is itself an allowed block',
    forbids: (_s, op, spec) => {
      if (op.primitive !== 'merge') return false;
      const d = op.operands[0]!;
      return d.node.kind === 'merge-hi' && has(spec.blockSizes, mul(d.node.block, op.size!));
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
    name: 'weight-bijections',
    why: 'weight elements are anonymous, so a bijective view inside one weight is a relabelling of its elements: w[shift(e)] → w[e], w[split(a, b)] → w[a, b], w[⌊e/B⌋, e mod B] → w[e] (skipped where it would repeat a dim); the result is built by the same steps minus these views',
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

/** The operator after every normalize rule in `rules`. */
export function normalize(rules: readonly CanonicalRule[], op: Operator): Operator {
  return rules.reduce((o, r) => (r.kind === 'normalize' ? r.normalize(o) : o), op);
}

