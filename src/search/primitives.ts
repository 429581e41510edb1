/**
 * The primitives as bottom-up construction steps on a `State` (README.md, "Primitives"):
 *
 *   Reduce(N)      adds a reduction iterator r of size N to the frontier
 *   Share(d)       adds a second copy of d: one copy ends in the data, another in a weight
 *                  (element-wise product if d is an output iterator, contraction if d reads r)
 *   Expand(d)      drops d: the output is broadcast along it (forward: Expand adds a dimension)
 *   Merge(d, B)    replaces d (size A·B) by ⌊d/B⌋ (A) and d mod B (B)
 *   Split(a, b)    replaces a and b by a·|b| + b
 *   Shift(d)       replaces d by (d + 1) mod |d|
 *   Stride(d, s)   replaces d by s·d; the result may only become an Unfold window (dilation)
 *   Unfold(m, w)   replaces m and w by m + w − ⌊(|w|−1)/2⌋ (zero-padded); |w| has no primary variable
 *
 * `legalMoves` lists every step the spec allows from a state (no canonicalization: that is
 * canonical.ts's job); `applyOp` performs one; `completions` deals a finished frontier to the input
 * and weight tensors.
 */
import {
  compareByKey,
  initialState,
  makeOp,
  makeOperator,
  makeState,
  mergeHi,
  mergeLo,
  outputDim,
  reduceDim,
  shift,
  split,
  stride,
  unfold,
  type Dim,
  type Op,
  type Operator,
  type State,
} from './ir.js';
import { div, isCoefficientOnly, isOne, isPositiveIntegerForAll, type Binding, type Size } from './size.js';
import type { SearchSpec } from './spec.js';

/** Every binding a size must be legal under: the user's plus the fingerprint's. */
export function legalityBindings(spec: SearchSpec): readonly Binding[] {
  return [...spec.bindings, ...spec.fingerprintBindings];
}

/** The part of a spec that fixes the operator's interface. */
export type OperatorInterface = Pick<SearchSpec, 'inputs' | 'outputs'>;

export function startState(spec: OperatorInterface): State {
  return initialState(spec.outputs.map((o) => o.size));
}

export function outputDims(spec: OperatorInterface): Dim[] {
  return spec.outputs.map((o, i) => outputDim(i, o.size));
}

/** How many copies of each distinct frontier dim a state holds. */
export function multiplicities(state: State): Map<Dim, number> {
  const m = new Map<Dim, number>();
  for (const d of state.frontier) m.set(d, (m.get(d) ?? 0) + 1);
  return m;
}

const isStrideTop = (d: Dim) => d.node.kind === 'stride';

/** All steps the spec permits from `state`, in a deterministic order. */
export function legalMoves(state: State, spec: SearchSpec): Op[] {
  const enabled = new Set(spec.primitives);
  const bindings = legalityBindings(spec);
  const counts = multiplicities(state);
  const distinct = [...counts.keys()];
  const moves: Op[] = [];
  if (enabled.has('reduce') && state.reductions.length < spec.maxReductions) {
    for (const n of spec.reduceSizes) moves.push(makeOp('reduce', [], n));
  }
  for (const d of distinct) {
    const copies = counts.get(d)!;
    if (isStrideTop(d)) continue; // only an Unfold may consume it
    if (enabled.has('share') && copies < 1 + spec.maxWeights) moves.push(makeOp('share', [d]));
    if (enabled.has('expand') && !d.readsReduction && copies === 1) moves.push(makeOp('expand', [d]));
    if (enabled.has('merge')) {
      for (const b of spec.blockSizes) {
        const outer = div(d.size, b);
        if (isOne(b) || isOne(outer) || !isPositiveIntegerForAll(outer, bindings)) continue;
        moves.push(makeOp('merge', [d], b));
      }
    }
    if (enabled.has('shift') && !isOne(d.size)) moves.push(makeOp('shift', [d]));
    if (enabled.has('stride') && enabled.has('unfold') && isCoefficientOnly(d.size)) {
      for (const s of spec.strideSizes) if (!isOne(s)) moves.push(makeOp('stride', [d], s));
    }
  }
  if (enabled.has('split')) {
    for (const hi of distinct) {
      for (const lo of distinct) {
        if (hi === lo || isStrideTop(hi) || isStrideTop(lo)) continue;
        moves.push(makeOp('split', [hi, lo]));
      }
    }
  }
  if (enabled.has('unfold')) {
    for (const main of distinct) {
      if (isStrideTop(main) || isCoefficientOnly(main.size)) continue;
      for (const window of distinct) {
        if (window === main || !isCoefficientOnly(window.size)) continue;
        moves.push(makeOp('unfold', [main, window]));
      }
    }
  }
  return moves;
}

function removeOne(frontier: Dim[], d: Dim): void {
  const i = frontier.indexOf(d);
  if (i < 0) throw new Error(`internal error: op operand \`${d.key}\` is not on the frontier; please report this`);
  frontier.splice(i, 1);
}

/** The state after one step; an operand missing from the frontier is a broken invariant. */
export function applyOp(state: State, op: Op): State {
  const frontier = [...state.frontier];
  const reductions = [...state.reductions];
  for (const d of op.operands) removeOne(frontier, d);
  const [a, b] = op.operands;
  switch (op.primitive) {
    case 'reduce': {
      const size = op.size!;
      const r = reduceDim(reductions.filter((x) => x.size === size).length, size);
      frontier.push(r);
      reductions.push(r);
      break;
    }
    case 'share':
      frontier.push(a!, a!);
      break;
    case 'expand':
      break;
    case 'merge':
      frontier.push(mergeHi(a!, op.size!), mergeLo(a!, op.size!));
      break;
    case 'split':
      frontier.push(split(a!, b!));
      break;
    case 'shift':
      frontier.push(shift(a!));
      break;
    case 'stride':
      frontier.push(stride(a!, op.size!));
      break;
    case 'unfold':
      frontier.push(unfold(a!, b!));
      break;
  }
  return makeState(frontier, reductions);
}

/**
 * A lower bound on the steps from `state` to a state with a completion. Two needs, met by disjoint
 * steps: every Stride left on the frontier must be consumed by its own Unfold (an Unfold never adds
 * a size the input lacks: its result has its main's size), and every input size the frontier lacks
 * (as a multiset) must be created — each step adds at most one dimension whose size is not a Merge
 * block size (Merge adds two, one of them the block), and at most two in all. So the bound is
 * strides + max(missing non-block sizes, ⌈missing sizes / 2⌉). Sound: 0 for every completable state.
 */
export function stepsToComplete(state: State, spec: OperatorInterface & Pick<SearchSpec, 'blockSizes'>): number {
  let strides = 0;
  const have = new Map<Size, number>();
  for (const d of state.frontier) {
    if (isStrideTop(d)) strides++;
    else have.set(d.size, (have.get(d.size) ?? 0) + 1);
  }
  let missing = 0;
  let missingNonBlock = 0;
  for (const input of spec.inputs) {
    const n = have.get(input.size) ?? 0;
    if (n > 0) have.set(input.size, n - 1);
    else {
      missing++;
      if (!spec.blockSizes.includes(input.size)) missingNonBlock++;
    }
  }
  return strides + Math.max(missingNonBlock, Math.ceil(missing / 2));
}

/** Apply steps in order (for building named operators by hand). */
export function applyOps(state: State, steps: readonly Op[]): State {
  return steps.reduce(applyOp, state);
}

/**
 * Every way to finish `state`: one frontier dim per input dimension (equal size), the rest dealt into
 * between 1 and `maxWeights` weight tensors (none if nothing is left), no tensor holding the same
 * expression twice. Weights are unordered and their dims are stored sorted by key, so each result is
 * one canonical `Operator`. Empty when a Stride is left unconsumed.
 */
export function completions(state: State, spec: SearchSpec): Operator[] {
  if (state.frontier.some(isStrideTop)) return [];
  const outs = outputDims(spec);
  const results = new Map<string, Operator>();
  const remaining = [...state.frontier];
  const input: Dim[] = [];
  const chooseInput = (i: number): void => {
    if (i === spec.inputs.length) {
      for (const weights of dealWeights(remaining, spec.maxWeights)) {
        const op = makeOperator(outs, input, weights, state.reductions);
        results.set(op.key, op);
      }
      return;
    }
    const tried = new Set<Dim>();
    for (const d of [...remaining]) {
      if (tried.has(d) || d.size !== spec.inputs[i]!.size) continue;
      tried.add(d);
      removeOne(remaining, d);
      input.push(d);
      chooseInput(i + 1);
      input.pop();
      remaining.push(d);
      remaining.sort(compareByKey);
    }
  };
  chooseInput(0);
  return [...results.values()].sort(compareByKey);
}

/** Set partitions of the multiset `dims` into at most `maxGroups` groups without repeats, canonical. */
function dealWeights(dims: readonly Dim[], maxGroups: number): Dim[][][] {
  if (dims.length === 0) return [[]];
  const seen = new Map<string, Dim[][]>();
  const groups: Dim[][] = [];
  const place = (i: number): void => {
    if (i === dims.length) {
      const canon = groups.map((g) => [...g].sort(compareByKey)).sort((x, y) => compareStrings(groupKey(x), groupKey(y)));
      const key = canon.map(groupKey).join('|');
      seen.set(key, canon);
      return;
    }
    const d = dims[i]!;
    for (const g of groups) {
      if (g.includes(d)) continue;
      g.push(d);
      place(i + 1);
      g.pop();
    }
    if (groups.length < maxGroups) {
      groups.push([d]);
      place(i + 1);
      groups.pop();
    }
  };
  place(0);
  return [...seen.entries()].sort(([a], [b]) => compareStrings(a, b)).map(([, v]) => v);
}

const groupKey = (g: readonly Dim[]): string => g.map((d) => d.key).join(',');
const compareStrings = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Finish a hand-built state with an explicit layout (named operators): `input` in interface order,
 * each weight's dims in row-major order. The tensors must use the frontier exactly.
 */
export function completeWith(state: State, spec: OperatorInterface, input: readonly Dim[], weights: readonly (readonly Dim[])[]): Operator {
  const used = [...input, ...weights.flat()].sort(compareByKey);
  const want = state.frontier;
  if (used.length !== want.length || used.some((d, i) => d !== want[i])) {
    throw new Error(
      `internal error: layout [${used.map((d) => d.key).join(' ')}] does not use the frontier [${want.map((d) => d.key).join(' ')}] exactly; please report this`,
    );
  }
  input.forEach((d, i) => {
    const want = spec.inputs[i];
    if (!want || want.size !== d.size) throw new Error(`internal error: input dim ${i} has size ${d.size.key}, expected ${want?.size.key}; please report this`);
  });
  return makeOperator(outputDims(spec), input, weights, state.reductions);
}

