/**
 * Least-squares fitting of an operator's weights to target outputs (the fitness of issue 7).
 *
 * Under a binding every operator is the sum over its index table (eval.ts)
 *
 *     y[o] = Σ_k x[in_k] · Π_j w_j[e_jk]          (k ranges over the terms with out_k = o)
 *
 * which is linear in each weight tensor when the others are held fixed: with
 * a_k = x[in_k] · Π_{i≠j} w_i[e_ik], output o of sample s is Σ_e A_s[o, e] · w_j[e] where
 * A_s[o, e] = Σ_{k: out_k = o, e_jk = e} a_k. Solving for w_j is ordinary least squares with one row
 * per (sample, output) and one column per element of w_j. The design matrix is never materialised:
 * the normal equations G = AᵀA and b = Aᵀy are assembled from the index table and the samples'
 * moments XᵀX and XᵀY (`solveWeight`), so a solve costs Σ_o (terms of o)², independent of the number of
 * samples. Elements that no output reads together are never coupled, so G is block-diagonal over
 * the connected components of the "read by the same output" relation (union–find); each block is
 * solved on its own by Cholesky in f64 with a small ridge λ = ridge · trace(G_c)/n_c, which also gives
 * 0 to elements no term reads and a minimum-norm-like answer where the weights are not identifiable.
 *
 * One weight tensor: that solve is the closed-form answer (`lsq`). Several: alternating least squares
 * (`als`) — weights initialised from the seed, then each solved in turn given the others; each solve
 * cannot increase the (ridge-penalised) training error, so the error falls monotonically; stop when a
 * sweep improves it by less than `tolerance` relatively, when it is exactly fitted, or after
 * `maxSweeps` sweeps.
 */
import { volume, type IndexTable } from './eval.js';
import { Rng } from '../util/rng.js';

/** N samples of input and output, row-major: x is N × nIn, y is N × nOut. */
export interface Samples {
  readonly n: number;
  readonly x: Float64Array;
  readonly y: Float64Array;
}

export interface FitOptions {
  /** Seeds the initial weights of ALS (unused with one weight tensor). */
  readonly seed: number;
  /** Most ALS sweeps (one sweep solves every weight tensor once). */
  readonly maxSweeps: number;
  /**
   * Stop when a sweep lowers the training SSE by less than this fraction. Default 1e-6: ALS converges
   * linearly, so what is left is a few times the last step — an R² change below 1e-5.
   */
  readonly tolerance?: number;
  /** Relative ridge: λ = ridge · mean diagonal of the block. Default 1e-10. */
  readonly ridge?: number;
  /** Largest block of coupled weight elements the fit accepts (G is n² doubles). Default 4096. */
  readonly maxBlock?: number;
}

export interface FitOutcome {
  readonly weights: Float64Array[];
  readonly method: 'lsq' | 'als';
  /** Sweeps done (1 for `lsq`). */
  readonly sweeps: number;
  /** Training SSE after each sweep. */
  readonly history: readonly number[];
  /** Largest block of coupled weight elements solved. */
  readonly largestBlock: number;
}

/** The index table's terms in output order: one pass per output reads a contiguous range. */
interface Ordered {
  readonly outputs: number;
  /** Terms of output o are [start[o], start[o+1]). */
  readonly start: Int32Array;
  readonly in: Int32Array;
  readonly w: readonly Int32Array[];
}

function orderByOutput(t: IndexTable): Ordered {
  const outputs = volume(t.outputShape);
  const start = new Int32Array(outputs + 1);
  for (let k = 0; k < t.terms; k++) start[t.out[k]! + 1]!++;
  for (let o = 0; o < outputs; o++) start[o + 1]! += start[o]!;
  const next = start.slice(0, outputs);
  const perm = new Int32Array(t.terms);
  for (let k = 0; k < t.terms; k++) perm[next[t.out[k]!]!++] = k;
  const take = (a: Int32Array) => {
    const r = new Int32Array(t.terms);
    for (let k = 0; k < t.terms; k++) r[k] = a[perm[k]!]!;
    return r;
  };
  return { outputs, start, in: take(t.in), w: t.w.map(take) };
}

/**
 * The sparsity structure of the design matrix for weight j: per output, the distinct elements its
 * terms read (its row's non-zeros), each term's slot among them, and the blocks of G.
 */
interface Design {
  /** Slot of each (ordered) term within its output's row. */
  readonly slot: Int32Array;
  /** Row o's non-zero columns are rowElems[rowStart[o] .. rowStart[o+1]). */
  readonly rowStart: Int32Array;
  readonly rowElems: Int32Array;
  /** Index of each row entry within its block. */
  readonly rowLocal: Int32Array;
  /** Block of each output row (−1: the row has no terms). */
  readonly rowBlock: Int32Array;
  readonly blockSizes: readonly number[];
  /** Elements of each block, in local order. */
  readonly blockElems: readonly Int32Array[];
}

function find(parent: Int32Array, a: number): number {
  while (parent[a] !== a) {
    parent[a] = parent[parent[a]!]!;
    a = parent[a]!;
  }
  return a;
}

function design(ord: Ordered, j: number, elements: number): Design {
  const we = ord.w[j]!;
  const terms = we.length;
  const slot = new Int32Array(terms);
  const mark = new Int32Array(elements).fill(-1);
  const rowStart = new Int32Array(ord.outputs + 1);
  const elems: number[] = [];
  for (let o = 0; o < ord.outputs; o++) {
    const first = elems.length;
    for (let k = ord.start[o]!; k < ord.start[o + 1]!; k++) {
      const e = we[k]!;
      if (mark[e]! < 0) {
        mark[e] = elems.length - first;
        elems.push(e);
      }
      slot[k] = mark[e]!;
    }
    for (let a = first; a < elems.length; a++) mark[elems[a]!] = -1;
    rowStart[o + 1] = elems.length;
  }
  const rowElems = Int32Array.from(elems);
  // Union–find: elements in one row are coupled.
  const parent = new Int32Array(elements);
  for (let e = 0; e < elements; e++) parent[e] = e;
  for (let o = 0; o < ord.outputs; o++) {
    const a0 = rowStart[o]!;
    for (let a = a0 + 1; a < rowStart[o + 1]!; a++) {
      const ra = find(parent, rowElems[a0]!);
      const rb = find(parent, rowElems[a]!);
      if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
    }
  }
  const blockOfRoot = new Int32Array(elements).fill(-1);
  const local = new Int32Array(elements);
  const members: number[][] = [];
  for (let e = 0; e < elements; e++) {
    const root = find(parent, e);
    if (blockOfRoot[root]! < 0) {
      blockOfRoot[root] = members.length;
      members.push([]);
    }
    const b = members[blockOfRoot[root]!]!;
    local[e] = b.length;
    b.push(e);
  }
  const rowLocal = new Int32Array(rowElems.length);
  for (let a = 0; a < rowElems.length; a++) rowLocal[a] = local[rowElems[a]!]!;
  const rowBlock = new Int32Array(ord.outputs);
  for (let o = 0; o < ord.outputs; o++) rowBlock[o] = rowStart[o + 1]! > rowStart[o]! ? blockOfRoot[find(parent, rowElems[rowStart[o]!]!)]! : -1;
  return { slot, rowStart, rowElems, rowLocal, rowBlock, blockSizes: members.map((m) => m.length), blockElems: members.map((m) => Int32Array.from(m)) };
}

/**
 * Solve (A + λI)·x = b in place for symmetric positive semi-definite A (n × n, row-major) by
 * Cholesky; λ = ridge · trace(A)/n. A zero block (no data) gives x = 0. A pivot that rounding drives
 * to ≤ 0 (only possible for a numerically singular A) is replaced by λ. Returns x (overwrites b).
 */
export function choleskySolve(a: Float64Array, b: Float64Array, n: number, ridge: number): Float64Array {
  let trace = 0;
  for (let i = 0; i < n; i++) trace += a[i * n + i]!;
  if (!(trace > 0)) return b.fill(0);
  const lambda = (ridge * trace) / n;
  for (let i = 0; i < n; i++) a[i * n + i]! += lambda;
  // Lower factor L in the lower triangle of a: A = L·Lᵀ.
  for (let j = 0; j < n; j++) {
    const rj = j * n;
    let d = a[rj + j]!;
    for (let k = 0; k < j; k++) d -= a[rj + k]! * a[rj + k]!;
    const pivot = Math.sqrt(d > 0 ? d : lambda);
    a[rj + j] = pivot;
    for (let i = j + 1; i < n; i++) {
      const ri = i * n;
      let s = a[ri + j]!;
      for (let k = 0; k < j; k++) s -= a[ri + k]! * a[rj + k]!;
      a[ri + j] = s / pivot;
    }
  }
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= a[i * n + k]! * b[k]!;
    b[i] = s / a[i * n + i]!;
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i]!;
    for (let k = i + 1; k < n; k++) s -= a[k * n + i]! * b[k]!;
    b[i] = s / a[i * n + i]!;
  }
  return b;
}

/** Π_j w_j[e_jk] for every term, skipping weight `skip` (−1: none), in the table's term order. */
function termProducts(w: readonly Int32Array[], weights: readonly Float64Array[], terms: number, skip: number): Float64Array {
  const p = new Float64Array(terms).fill(1);
  for (let j = 0; j < weights.length; j++) {
    if (j === skip) continue;
    const e = w[j]!;
    const v = weights[j]!;
    for (let k = 0; k < terms; k++) p[k]! *= v[e[k]!]!;
  }
  return p;
}

/** The operator applied to every sample: N × nOut outputs (the batched `forward` of eval.ts). */
export function predict(t: IndexTable, x: Float64Array, n: number, weights: readonly Float64Array[]): Float64Array {
  const nIn = volume(t.inputShape);
  const nOut = volume(t.outputShape);
  if (x.length !== n * nIn) throw new Error(`internal error: ${x.length} input values for ${n} samples of ${nIn}; please report this`);
  const prod = termProducts(t.w, weights, t.terms, -1);
  const y = new Float64Array(n * nOut);
  for (let s = 0; s < n; s++) {
    const xo = s * nIn;
    const yo = s * nOut;
    for (let k = 0; k < t.terms; k++) y[yo + t.out[k]!]! += x[xo + t.in[k]!]! * prod[k]!;
  }
  return y;
}

/** Σ (y − ŷ)². */
export function sse(y: Float64Array, yHat: Float64Array): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) {
    const d = y[i]! - yHat[i]!;
    s += d * d;
  }
  return s;
}

/**
 * Coefficient of determination over all outputs, variance-weighted (scikit-learn's
 * `r2_score(multioutput='variance_weighted')`): 1 − Σ_{s,o} (y − ŷ)² / Σ_{s,o} (y − ȳ_o)², with ȳ_o the
 * mean of output o over the N samples. A constant target (zero variance) gives 1 if fitted exactly, else 0.
 */
export function rSquared(y: Float64Array, yHat: Float64Array, n: number): number {
  const nOut = y.length / n;
  const mean = new Float64Array(nOut);
  for (let s = 0; s < n; s++) for (let o = 0; o < nOut; o++) mean[o]! += y[s * nOut + o]!;
  for (let o = 0; o < nOut; o++) mean[o]! /= n;
  let tot = 0;
  for (let s = 0; s < n; s++)
    for (let o = 0; o < nOut; o++) {
      const d = y[s * nOut + o]! - mean[o]!;
      tot += d * d;
    }
  const res = sse(y, yHat);
  if (tot === 0) return res === 0 ? 1 : 0;
  return 1 - res / tot;
}


/**
 * The sufficient statistics of a sample set for every least-squares fit of a linear-in-x operator:
 * XᵀX (nIn × nIn), XᵀY (nIn × nOut), Σ y² and the per-output sums of y. The fit never reads the
 * samples again, so its cost is independent of their number.
 */
export interface Moments {
  readonly n: number;
  readonly nIn: number;
  readonly nOut: number;
  readonly xx: Float64Array;
  readonly xy: Float64Array;
  readonly yy: number;
  readonly ySum: Float64Array;
}

/** Largest input (elements per sample) whose XᵀX the fit will hold: 4096² doubles = 128 MiB. */
export const MAX_FIT_INPUT = 4096;

export function moments(data: Samples, nIn: number, nOut: number): Moments {
  if (nIn > MAX_FIT_INPUT) throw new Error(`the fit's input has ${nIn} elements per sample (limit ${MAX_FIT_INPUT}); give the fitness a smaller binding`);
  const xx = new Float64Array(nIn * nIn);
  const xy = new Float64Array(nIn * nOut);
  const ySum = new Float64Array(nOut);
  let yy = 0;
  for (let s = 0; s < data.n; s++) {
    const xo = s * nIn;
    const yo = s * nOut;
    for (let i = 0; i < nIn; i++) {
      const xi = data.x[xo + i]!;
      if (xi === 0) continue;
      const row = i * nIn;
      for (let i2 = i; i2 < nIn; i2++) xx[row + i2]! += xi * data.x[xo + i2]!;
      const rowY = i * nOut;
      for (let o = 0; o < nOut; o++) xy[rowY + o]! += xi * data.y[yo + o]!;
    }
    for (let o = 0; o < nOut; o++) {
      const v = data.y[yo + o]!;
      ySum[o]! += v;
      yy += v * v;
    }
  }
  for (let i = 0; i < nIn; i++) for (let i2 = 0; i2 < i; i2++) xx[i * nIn + i2] = xx[i2 * nIn + i]!;
  return { n: data.n, nIn, nOut, xx, xy, yy, ySum };
}

/**
 * Training SSE of the operator with all its weights, from the moments: Σy² − 2·Σ_o Σ_k p_k·(XᵀY)[in_k, o]
 * + Σ_o Σ_{k,k'} p_k·p_k'·(XᵀX)[in_k, in_k'], p_k = Π_j w_j[e_jk] (clamped at 0: it is a difference of
 * large numbers, exact to about 1e−15 of Σy²).
 */
function momentSse(ord: Ordered, weights: readonly Float64Array[], m: Moments): number {
  const p = termProducts(ord.w, weights, ord.in.length, -1);
  let cross = 0;
  let quad = 0;
  for (let o = 0; o < ord.outputs; o++) {
    const a = ord.start[o]!;
    const b = ord.start[o + 1]!;
    for (let k = a; k < b; k++) {
      const pk = p[k]!;
      if (pk === 0) continue;
      const ik = ord.in[k]!;
      cross += pk * m.xy[ik * m.nOut + o]!;
      const row = ik * m.nIn;
      let s = 0;
      for (let k2 = k + 1; k2 < b; k2++) s += p[k2]! * m.xx[row + ord.in[k2]!]!;
      quad += pk * (pk * m.xx[row + ik]! + 2 * s);
    }
  }
  return Math.max(0, m.yy - 2 * cross + quad);
}

/** SSE of the operator with `weights` on the samples summarised by `m` (see `momentSse`). */
export function momentsSse(t: IndexTable, weights: readonly Float64Array[], m: Moments): number {
  return momentSse(orderByOutput(t), weights, m);
}

/** R² (as `rSquared`) of the operator with `weights` on the samples summarised by `m`. */
export function momentsR2(t: IndexTable, weights: readonly Float64Array[], m: Moments): number {
  const total = momentTotal(m);
  const res = momentsSse(t, weights, m);
  if (total === 0) return res === 0 ? 1 : 0;
  return 1 - res / total;
}

/** Σ_o Σ_s (y − ȳ_o)² from the moments. */
export function momentTotal(m: Moments): number {
  let s = m.yy;
  for (let o = 0; o < m.nOut; o++) s -= (m.ySum[o]! * m.ySum[o]!) / m.n;
  return s;
}

/**
 * Solve weight j given the others. Row (s, o) of the design matrix is a = Σ_{k∈o} x_s[in_k]·q_k·e_{slot k}
 * with q_k = Π_{i≠j} w_i[e_ik], so summed over the samples
 *
 *     G[e, e'] = Σ_o Σ_{k∈o: e_k=e} Σ_{k'∈o: e_k'=e'} q_k·q_k'·(XᵀX)[in_k, in_k']
 *     b[e]     = Σ_o Σ_{k∈o: e_k=e} q_k·(XᵀY)[in_k, o]
 *
 * at a cost of Σ_o (terms of o)², whatever the number of samples. Writes the result into weights[j].
 */
function solveWeight(ord: Ordered, d: Design, j: number, weights: Float64Array[], m: Moments, ridge: number): void {
  const q = termProducts(ord.w, weights, ord.in.length, j);
  const gs = d.blockSizes.map((n) => new Float64Array(n * n));
  const bs = d.blockSizes.map((n) => new Float64Array(n));
  const local = new Int32Array(ord.in.length);
  for (let o = 0; o < ord.outputs; o++) {
    const r0 = d.rowStart[o]!;
    for (let k = ord.start[o]!; k < ord.start[o + 1]!; k++) local[k] = d.rowLocal[r0 + d.slot[k]!]!;
  }
  for (let o = 0; o < ord.outputs; o++) {
    const blk = d.rowBlock[o]!;
    if (blk < 0) continue;
    const g = gs[blk]!;
    const bv = bs[blk]!;
    const n = d.blockSizes[blk]!;
    const a = ord.start[o]!;
    const b = ord.start[o + 1]!;
    for (let k = a; k < b; k++) {
      const qk = q[k]!;
      if (qk === 0) continue;
      const ik = ord.in[k]!;
      const la = local[k]!;
      bv[la]! += qk * m.xy[ik * m.nOut + o]!;
      const row = la * n;
      const xrow = ik * m.nIn;
      // G is symmetric: each unordered pair of terms once, added to both (la, lb) and (lb, la).
      g[row + la]! += qk * qk * m.xx[xrow + ik]!;
      for (let k2 = k + 1; k2 < b; k2++) {
        const v = qk * q[k2]! * m.xx[xrow + ord.in[k2]!]!;
        const lb = local[k2]!;
        g[row + lb]! += v;
        g[lb * n + la]! += v;
      }
    }
  }
  const w = weights[j]!;
  d.blockSizes.forEach((n, blk) => {
    const sol = choleskySolve(gs[blk]!, bs[blk]!, n, ridge);
    const elems = d.blockElems[blk]!;
    for (let a = 0; a < n; a++) w[elems[a]!] = sol[a]!;
  });
}

/** Fit the operator's weights to the samples summarised by `m` (see the file comment). */
export function fitWeights(t: IndexTable, m: Moments, options: FitOptions): FitOutcome {
  if (m.nIn !== volume(t.inputShape) || m.nOut !== volume(t.outputShape)) {
    throw new Error(`internal error: samples do not match the operator's shapes [${t.inputShape}] → [${t.outputShape}]; please report this`);
  }
  const ridge = options.ridge ?? 1e-10;
  const tolerance = options.tolerance ?? 1e-6;
  const maxBlock = options.maxBlock ?? 4096;
  const ord = orderByOutput(t);
  const sizes = t.weightShapes.map(volume);
  const designs = sizes.map((elements, j) => design(ord, j, elements));
  const largestBlock = Math.max(0, ...designs.flatMap((d) => d.blockSizes));
  if (largestBlock > maxBlock) {
    throw new Error(`the fit couples ${largestBlock} weight elements in one block (limit ${maxBlock}); give the fitness a smaller binding`);
  }
  const rng = new Rng(options.seed);
  // ALS needs every weight but the one being solved; start them all at N(0, 1) from the seed.
  const weights = sizes.map((n, j) => {
    const w = new Float64Array(n);
    rng.derive(j).fillGaussian(w);
    return w;
  });
  if (weights.length === 0) return { weights, method: 'lsq', sweeps: 0, history: [momentSse(ord, weights, m)], largestBlock };
  if (weights.length === 1) {
    solveWeight(ord, designs[0]!, 0, weights, m, ridge);
    return { weights, method: 'lsq', sweeps: 1, history: [momentSse(ord, weights, m)], largestBlock };
  }
  const history: number[] = [];
  let sweeps = 0;
  while (sweeps < options.maxSweeps) {
    for (let j = 0; j < weights.length; j++) solveWeight(ord, designs[j]!, j, weights, m, ridge);
    sweeps++;
    const err = momentSse(ord, weights, m);
    const prev = history.length > 0 ? history[history.length - 1]! : null;
    history.push(err);
    if (err <= 1e-13 * m.yy || (prev !== null && prev - err <= tolerance * prev)) break;
  }
  return { weights, method: 'als', sweeps, history, largestBlock };
}
