/**
 * The operator IR of `kasc search`: dimensions, construction steps (ops), partial operators (states)
 * and complete operators, all immutable and hash-consed — a global intern table per kind maps a
 * canonical structural key to the one object with that structure, so equal structure is `===` and
 * the search space is a DAG rather than a tree.
 *
 * Direction (see README.md): operators are built bottom-up, from the output's dimensions toward the
 * input's, as in Syno. A `Dim` is therefore an *index expression*: it says which coordinate of some
 * tensor is read, as a function of the output iterators and the reduction iterators. Leaves are
 * iterators; inner nodes are the views (Merge, Split, Shift, Stride, Unfold). A `State` is the
 * frontier — the multiset of expressions not yet assigned to a tensor — plus the reductions
 * introduced so far. An `Operator` is a finished state: the frontier dealt out to the input tensor
 * (one expression per input dimension, in interface order) and to the weight tensors.
 */
import { div, mul, type Size } from './size.js';

export type DimNode =
  /** Output iterator `index` (0-based position in the output interface). */
  | { readonly kind: 'output'; readonly index: number }
  /** Reduction iterator; `ordinal` tells apart reductions of equal size. */
  | { readonly kind: 'reduce'; readonly ordinal: number }
  /** ⌊of / block⌋ — the outer half of a Merge (forward: two input dims merged into one output dim). */
  | { readonly kind: 'merge-hi'; readonly of: Dim; readonly block: Size }
  /** of mod block — the inner half of a Merge. */
  | { readonly kind: 'merge-lo'; readonly of: Dim; readonly block: Size }
  /** hi · |lo| + lo — a Split (forward: one input dim split into two output dims). */
  | { readonly kind: 'split'; readonly hi: Dim; readonly lo: Dim }
  /** (of + 1) mod |of| — a cyclic Shift by one. */
  | { readonly kind: 'shift'; readonly of: Dim }
  /** stride · of, size stride · |of| — legal only as the window of an Unfold (dilation). */
  | { readonly kind: 'stride'; readonly of: Dim; readonly stride: Size }
  /** main + window − ⌊(|window| − 1)/2⌋, zero outside [0, |main|) — a centred, zero-padded Unfold. */
  | { readonly kind: 'unfold'; readonly main: Dim; readonly window: Dim };

export interface Dim {
  /** Canonical structural key; equal keys ⇔ the same object. */
  readonly key: string;
  /** Intern order; for fast maps only, never for output order (use `key`). */
  readonly id: number;
  readonly size: Size;
  readonly node: DimNode;
  /** The iterator leaves this expression reads, sorted by key, without repeats. */
  readonly iterators: readonly Dim[];
  /** True when some leaf is a reduction iterator. */
  readonly readsReduction: boolean;
}

const dims = new Map<string, Dim>();

function childKey(d: Dim): string {
  return d.key;
}

function nodeKey(node: DimNode, size: Size): string {
  switch (node.kind) {
    case 'output':
      return `o${node.index}:${size.key}`;
    case 'reduce':
      return `r${node.ordinal}:${size.key}`;
    case 'merge-hi':
      return `hi(${childKey(node.of)},${node.block.key})`;
    case 'merge-lo':
      return `lo(${childKey(node.of)},${node.block.key})`;
    case 'split':
      return `split(${childKey(node.hi)},${childKey(node.lo)})`;
    case 'shift':
      return `shift(${childKey(node.of)})`;
    case 'stride':
      return `stride(${childKey(node.of)},${node.stride.key})`;
    case 'unfold':
      return `unfold(${childKey(node.main)},${childKey(node.window)})`;
  }
}

function children(node: DimNode): Dim[] {
  switch (node.kind) {
    case 'output':
    case 'reduce':
      return [];
    case 'merge-hi':
    case 'merge-lo':
    case 'shift':
    case 'stride':
      return [node.of];
    case 'split':
      return [node.hi, node.lo];
    case 'unfold':
      return [node.main, node.window];
  }
}

export function compareByKey<T extends { readonly key: string }>(a: T, b: T): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

function internDim(node: DimNode, size: Size): Dim {
  const key = nodeKey(node, size);
  const existing = dims.get(key);
  if (existing) return existing;
  const leaves = new Map<string, Dim>();
  const kids = children(node);
  for (const k of kids) for (const it of k.iterators) leaves.set(it.key, it);
  const self: { -readonly [K in keyof Dim]: Dim[K] } = { key, id: dims.size, size, node, iterators: [], readsReduction: false };
  if (kids.length === 0) leaves.set(key, self as Dim);
  self.iterators = Object.freeze([...leaves.values()].sort(compareByKey));
  self.readsReduction = self.iterators.some((d) => d.node.kind === 'reduce');
  Object.freeze(self);
  dims.set(key, self);
  return self;
}

export const outputDim = (index: number, size: Size): Dim => internDim({ kind: 'output', index }, size);
export const reduceDim = (ordinal: number, size: Size): Dim => internDim({ kind: 'reduce', ordinal }, size);
export const mergeHi = (of: Dim, block: Size): Dim => internDim({ kind: 'merge-hi', of, block }, div(of.size, block));
export const mergeLo = (of: Dim, block: Size): Dim => internDim({ kind: 'merge-lo', of, block }, block);
export const split = (hi: Dim, lo: Dim): Dim => internDim({ kind: 'split', hi, lo }, mul(hi.size, lo.size));
export const shift = (of: Dim): Dim => internDim({ kind: 'shift', of }, of.size);
export const stride = (of: Dim, by: Size): Dim => internDim({ kind: 'stride', of, stride: by }, mul(of.size, by));
export const unfold = (main: Dim, window: Dim): Dim => internDim({ kind: 'unfold', main, window }, main.size);

/** Number of view nodes in an expression (leaves count 0). */
/** The sub-expressions a view reads (none for an iterator). */
export function dimChildren(d: Dim): Dim[] {
  const n = d.node;
  switch (n.kind) {
    case 'output':
    case 'reduce':
      return [];
    case 'split':
      return [n.hi, n.lo];
    case 'unfold':
      return [n.main, n.window];
    default:
      return [n.of];
  }
}

export function viewDepth(d: Dim): number {
  return children(d.node).reduce((n, c) => n + 1 + viewDepth(c), 0);
}

// ---------------------------------------------------------------------------------------------
// Ops: one construction step, bottom-up. Named by the forward primitive they stand for.

export type PrimitiveKind = 'reduce' | 'share' | 'expand' | 'merge' | 'split' | 'shift' | 'stride' | 'unfold';

export const ALL_PRIMITIVES: readonly PrimitiveKind[] = ['reduce', 'share', 'expand', 'merge', 'split', 'shift', 'stride', 'unfold'];

export interface Op {
  readonly key: string;
  readonly primitive: PrimitiveKind;
  /** Frontier dims consumed (reduce: none; split/unfold: [hi, lo] / [main, window]). */
  readonly operands: readonly Dim[];
  /** reduce: the reduction size; merge: the block (inner) size; stride: the stride. */
  readonly size: Size | null;
}

const ops = new Map<string, Op>();
/** The same ops by identity of primitive, operands and size (nested maps), to skip building long keys. */
const opsByIdentity = new Map<PrimitiveKind, Map<Dim | null, Map<Dim | null, Map<Size | null, Op>>>>();

function level<K, V>(m: Map<K, V>, k: K, make: () => V): V {
  let v = m.get(k);
  if (v === undefined) m.set(k, (v = make()));
  return v;
}

export function makeOp(primitive: PrimitiveKind, operands: readonly Dim[], size: Size | null = null): Op {
  const bySize =
    operands.length <= 2
      ? level(level(level(opsByIdentity, primitive, () => new Map()), operands[0] ?? null, () => new Map()), operands[1] ?? null, () => new Map<Size | null, Op>())
      : null;
  const fast = bySize?.get(size);
  if (fast) return fast;
  const key = `${primitive}(${[...operands.map((d) => d.key), ...(size ? [size.key] : [])].join(';')})`;
  let op = ops.get(key);
  if (!op) {
    op = Object.freeze({ key, primitive, operands: Object.freeze([...operands]), size });
    ops.set(key, op);
  }
  bySize?.set(size, op);
  return op;
}

// ---------------------------------------------------------------------------------------------
// States: the frontier multiset plus the reductions introduced.

export interface State {
  readonly key: string;
  readonly id: number;
  /** Multiset of expressions still to be dealt to tensors, sorted by key (repeats = Share copies). */
  readonly frontier: readonly Dim[];
  /** Reduction iterators introduced so far, sorted by key. */
  readonly reductions: readonly Dim[];
}

const states = new Map<string, State>();
/**
 * The same states by a hash of the sorted ids of their frontier and reductions: finding an existing
 * state (most calls, from the search's move generation) then builds no string at all. Each bucket
 * entry keeps the sorted id list it was filed under, compared element by element.
 */
const statesByIds = new Map<number, { readonly ids: Int32Array; readonly state: State }[]>();

function sortedIds(frontier: readonly Dim[], reductions: readonly Dim[]): Int32Array {
  const ids = new Int32Array(frontier.length + 1 + reductions.length);
  for (let i = 0; i < frontier.length; i++) ids[i] = frontier[i]!.id;
  ids.subarray(0, frontier.length).sort();
  ids[frontier.length] = -1; // separator
  for (let i = 0; i < reductions.length; i++) ids[frontier.length + 1 + i] = reductions[i]!.id;
  ids.subarray(frontier.length + 1).sort();
  return ids;
}

function hashIds(ids: Int32Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < ids.length; i++) h = Math.imul(h ^ ids[i]!, 0x01000193);
  return h >>> 0;
}

function sameIds(a: Int32Array, b: Int32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function makeState(frontier: readonly Dim[], reductions: readonly Dim[]): State {
  const ids = sortedIds(frontier, reductions);
  const h = hashIds(ids);
  let bucket = statesByIds.get(h);
  if (bucket) for (const e of bucket) if (sameIds(e.ids, ids)) return e.state;
  const f = [...frontier].sort(compareByKey);
  const r = [...reductions].sort(compareByKey);
  const key = `[${f.map((d) => d.key).join(' ')}]{${r.map((d) => d.key).join(' ')}}`;
  let state = states.get(key);
  if (!state) {
    state = Object.freeze({ key, id: states.size, frontier: Object.freeze(f), reductions: Object.freeze(r) });
    states.set(key, state);
  }
  if (!bucket) statesByIds.set(h, (bucket = []));
  bucket.push({ ids, state });
  return state;
}

/** The start state of an interface: one output iterator per output dimension, no reductions. */
export function initialState(outputs: readonly Size[]): State {
  return makeState(
    outputs.map((s, i) => outputDim(i, s)),
    [],
  );
}

// ---------------------------------------------------------------------------------------------
// Complete operators: y[o] = Σ_r x[input(o, r)] · Π_j w_j[weights_j(o, r)].

export interface Operator {
  /** Canonical key of this exact layout (input order, weight order, weight dim order). */
  readonly key: string;
  readonly outputs: readonly Dim[];
  /** One expression per input dimension, in interface order. */
  readonly input: readonly Dim[];
  /** Weight tensors; each lists its dims in layout (row-major) order. */
  readonly weights: readonly (readonly Dim[])[];
  readonly reductions: readonly Dim[];
}

const operators = new Map<string, Operator>();

export function makeOperator(outputs: readonly Dim[], input: readonly Dim[], weights: readonly (readonly Dim[])[], reductions: readonly Dim[]): Operator {
  const r = [...reductions].sort(compareByKey);
  const key = `y[${outputs.map((d) => d.key).join(',')}] = Σ{${r.map((d) => d.key).join(',')}} x[${input.map((d) => d.key).join(',')}]${weights
    .map((w) => ` · w[${w.map((d) => d.key).join(',')}]`)
    .join('')}`;
  const existing = operators.get(key);
  if (existing) return existing;
  const op: Operator = Object.freeze({
    key,
    outputs: Object.freeze([...outputs]),
    input: Object.freeze([...input]),
    weights: Object.freeze(weights.map((w) => Object.freeze([...w]))),
    reductions: Object.freeze(r),
  });
  operators.set(key, op);
  return op;
}

/** Sizes of the intern tables (for tests and reports). */
export function internTableSizes(): { dims: number; ops: number; states: number; operators: number } {
  return { dims: dims.size, ops: ops.size, states: states.size, operators: operators.size };
}

/** Human-readable expression, e.g. `unfold(l, k)`; iterators print by their names in `names`. */
export function showDim(d: Dim, names: (leaf: Dim) => string): string {
  const n = d.node;
  switch (n.kind) {
    case 'output':
    case 'reduce':
      return names(d);
    case 'merge-hi':
      return `${showDim(n.of, names)}/${n.block.key}`;
    case 'merge-lo':
      return `${showDim(n.of, names)}%${n.block.key}`;
    case 'split':
      return `(${showDim(n.hi, names)}*${n.lo.size.key}+${showDim(n.lo, names)})`;
    case 'shift':
      return `shift(${showDim(n.of, names)})`;
    case 'stride':
      return `${n.stride.key}*${showDim(n.of, names)}`;
    case 'unfold':
      return `unfold(${showDim(n.main, names)}, ${showDim(n.window, names)})`;
  }
}

