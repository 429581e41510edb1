/**
 * The index-expression evaluator and naive CPU kernels. Under a binding an operator is the sum
 *
 *     y[o] = Σ_r x[f(o, r)] · Π_j w_j[g_j(o, r)]
 *
 * over every output point o and reduction point r; a term whose index falls outside its tensor (an
 * Unfold reaching into the zero padding) contributes nothing. `indexTable` lists the surviving terms
 * once as flat row-major offsets; the forward and backward kernels and the fingerprint all read it,
 * so they agree on the semantics by construction and a reference implementation written by hand is
 * the independent check (test/search/library.test.ts).
 */
import type { Dim, Operator } from './ir.js';
import { integerValue, type Binding, type Size } from './size.js';

/** The value of a size that must be a positive integer here; anything else is a broken invariant. */
export function sizeValue(s: Size, binding: Binding): number {
  const v = integerValue(s, binding);
  if (v === null) throw new Error(`internal error: size \`${s.key}\` is not a positive integer under ${JSON.stringify(binding)}; please report this`);
  return v;
}

type Compiled = (iters: Int32Array) => number;

/** Compile an expression to a function of the iterator values; −1 means "outside the tensor". */
function compileDim(d: Dim, slots: ReadonlyMap<Dim, number>, binding: Binding): Compiled {
  const n = d.node;
  switch (n.kind) {
    case 'output':
    case 'reduce': {
      const slot = slots.get(d);
      if (slot === undefined) throw new Error(`internal error: iterator \`${d.key}\` has no slot; please report this`);
      return (v) => v[slot]!;
    }
    case 'merge-hi': {
      const f = compileDim(n.of, slots, binding);
      const b = sizeValue(n.block, binding);
      return (v) => {
        const x = f(v);
        return x < 0 ? -1 : Math.floor(x / b);
      };
    }
    case 'merge-lo': {
      const f = compileDim(n.of, slots, binding);
      const b = sizeValue(n.block, binding);
      return (v) => {
        const x = f(v);
        return x < 0 ? -1 : x % b;
      };
    }
    case 'split': {
      const hi = compileDim(n.hi, slots, binding);
      const lo = compileDim(n.lo, slots, binding);
      const width = sizeValue(n.lo.size, binding);
      return (v) => {
        const h = hi(v);
        const l = lo(v);
        return h < 0 || l < 0 ? -1 : h * width + l;
      };
    }
    case 'shift': {
      const f = compileDim(n.of, slots, binding);
      const size = sizeValue(d.size, binding);
      return (v) => {
        const x = f(v);
        return x < 0 ? -1 : (x + 1) % size;
      };
    }
    case 'stride': {
      const f = compileDim(n.of, slots, binding);
      const s = sizeValue(n.stride, binding);
      return (v) => {
        const x = f(v);
        return x < 0 ? -1 : s * x;
      };
    }
    case 'unfold': {
      const main = compileDim(n.main, slots, binding);
      const window = compileDim(n.window, slots, binding);
      const size = sizeValue(d.size, binding);
      const centre = Math.floor((sizeValue(n.window.size, binding) - 1) / 2);
      return (v) => {
        const m = main(v);
        const w = window(v);
        if (m < 0 || w < 0) return -1;
        const x = m + w - centre;
        return x < 0 || x >= size ? -1 : x;
      };
    }
  }
}

/** Shape of a tensor whose dims are `dims`, under `binding`. */
export function shapeOf(dims: readonly Dim[], binding: Binding): number[] {
  return dims.map((d) => sizeValue(d.size, binding));
}

export const volume = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

export interface IndexTable {
  readonly outputShape: readonly number[];
  readonly inputShape: readonly number[];
  readonly weightShapes: readonly (readonly number[])[];
  /** Number of surviving terms. */
  readonly terms: number;
  /** Flat output, input and per-weight offsets of each term. */
  readonly out: Int32Array;
  readonly in: Int32Array;
  readonly w: readonly Int32Array[];
}

/** Enumerate every (o, r) point and keep the terms whose indices all fall inside their tensors. */
export function indexTable(op: Operator, binding: Binding, maxPoints = 5_000_000): IndexTable {
  const iterators = [...op.outputs, ...op.reductions];
  const slots = new Map(iterators.map((d, i) => [d, i] as const));
  const extents = iterators.map((d) => sizeValue(d.size, binding));
  const points = volume(extents);
  if (points > maxPoints) throw new Error(`internal error: ${points} index points exceed the evaluator's limit of ${maxPoints}; use smaller sizes`);
  const tensor = (dims: readonly Dim[]) => {
    const fs = dims.map((d) => compileDim(d, slots, binding));
    const shape = shapeOf(dims, binding);
    const strides = shape.map((_, i) => volume(shape.slice(i + 1)));
    return {
      shape,
      offset: (v: Int32Array): number => {
        let at = 0;
        for (let i = 0; i < fs.length; i++) {
          const x = fs[i]!(v);
          if (x < 0) return -1;
          at += x * strides[i]!;
        }
        return at;
      },
    };
  };
  const y = tensor(op.outputs);
  const x = tensor(op.input);
  const ws = op.weights.map(tensor);
  const out = new Int32Array(points);
  const inp = new Int32Array(points);
  const w = ws.map(() => new Int32Array(points));
  const v = new Int32Array(iterators.length);
  let terms = 0;
  for (let p = 0; p < points; p++) {
    // Odometer over the iterators (row-major: the last one fastest); v starts at all zeros.
    if (p > 0) {
      for (let i = iterators.length - 1; i >= 0; i--) {
        if (++v[i]! < extents[i]!) break;
        v[i] = 0;
      }
    }
    const xi = x.offset(v);
    if (xi < 0) continue;
    let inside = true;
    for (let j = 0; j < ws.length && inside; j++) {
      const wi = ws[j]!.offset(v);
      if (wi < 0) inside = false;
      else w[j]![terms] = wi;
    }
    if (!inside) continue;
    out[terms] = y.offset(v);
    inp[terms] = xi;
    terms++;
  }
  return {
    outputShape: y.shape,
    inputShape: x.shape,
    weightShapes: ws.map((t) => t.shape),
    terms,
    out: out.slice(0, terms),
    in: inp.slice(0, terms),
    w: w.map((a) => a.slice(0, terms)),
  };
}

function checkLengths(t: IndexTable, x: Float64Array, weights: readonly Float64Array[]): void {
  if (x.length !== volume(t.inputShape)) throw new Error(`internal error: input has ${x.length} elements, expected ${volume(t.inputShape)}`);
  if (weights.length !== t.weightShapes.length) throw new Error(`internal error: ${weights.length} weights given, operator has ${t.weightShapes.length}`);
  weights.forEach((w, j) => {
    if (w.length !== volume(t.weightShapes[j]!)) throw new Error(`internal error: weight ${j} has ${w.length} elements, expected ${volume(t.weightShapes[j]!)}`);
  });
}

/** Naive forward kernel: y[o] = Σ_r x[f(o, r)] · Π_j w_j[g_j(o, r)]. */
export function forward(t: IndexTable, x: Float64Array, weights: readonly Float64Array[]): Float64Array {
  checkLengths(t, x, weights);
  const y = new Float64Array(volume(t.outputShape));
  for (let k = 0; k < t.terms; k++) {
    let term = x[t.in[k]!]!;
    for (let j = 0; j < weights.length; j++) term *= weights[j]![t.w[j]![k]!]!;
    y[t.out[k]!]! += term;
  }
  return y;
}

/**
 * Naive backward kernel: given dL/dy, dL/dx[i] = Σ_{terms at i} dy[o] · Π_j w_j and
 * dL/dw_j[e] = Σ_{terms at e} dy[o] · x · Π_{k≠j} w_k.
 */
export function backward(
  t: IndexTable,
  x: Float64Array,
  weights: readonly Float64Array[],
  dy: Float64Array,
): { dx: Float64Array; dw: Float64Array[] } {
  checkLengths(t, x, weights);
  const dx = new Float64Array(x.length);
  const dw = weights.map((w) => new Float64Array(w.length));
  for (let k = 0; k < t.terms; k++) {
    const g = dy[t.out[k]!]!;
    let prod = 1;
    for (let j = 0; j < weights.length; j++) prod *= weights[j]![t.w[j]![k]!]!;
    dx[t.in[k]!]! += g * prod;
    const xv = x[t.in[k]!]!;
    for (let j = 0; j < weights.length; j++) {
      let others = g * xv;
      for (let i = 0; i < weights.length; i++) if (i !== j) others *= weights[i]![t.w[i]![k]!]!;
      dw[j]![t.w[j]![k]!]! += others;
    }
  }
  return { dx, dw };
}
