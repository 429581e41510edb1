/**
 * The chain schedule of cost.ts, executed: an independent recount of `operatorFlops`. It evaluates
 * y = Σ_r x[f] · Π_j w_j[g_j] on dense Float64Arrays the way the cost model says it is evaluated —
 * the viewed input, then one weight at a time in a given order, each reduction summed out as soon as
 * no weight still to come reads it — and counts every multiply and every add it actually performs.
 * `recountCost` runs it in every weight order; tests and the counts benchmark check that (1) the result equals eval.ts `forward` for every order
 * (the schedule computes the operator) and (2) the cheapest order's count equals `operatorFlops`.
 *
 * Independence: it shares only the index-expression semantics (Dim trees) with cost.ts. The running
 * tensor is a real array over the iterators still live; multiplies are counted per element computed,
 * adds per element folded into an already-written one. Output iterators read only through ⌊o/B⌋ are
 * found here by walking the tensors' expression trees (every occurrence of o must sit under the same
 * ⌊o/B⌋), and the result is broadcast back to y through that view.
 */
import { dimChildren, type Dim, type Operator } from './ir.js';
import { forward, indexTable, sizeValue, volume, type IndexTable } from './eval.js';
import { Rng } from '../util/rng.js';
import type { Binding } from './size.js';

export interface ChainRun {
  readonly y: Float64Array;
  readonly muls: number;
  readonly adds: number;
}


/**
 * The variable each output iterator is computed over: o itself, or ⌊o/B⌋ (repeatedly) when every
 * place any tensor reads o is inside that one ⌊o/B⌋ node and the node is not a whole tensor dimension
 * read elsewhere through o directly.
 */
function outputVariables(op: Operator): Map<Dim, Dim> {
  const tops = [...op.input, ...op.weights.flat()];
  // Every (parent, child) edge occurrence, counting repeats through different tops.
  const readers = new Map<Dim, Dim[]>();
  const topCount = new Map<Dim, number>();
  for (const t of tops) topCount.set(t, (topCount.get(t) ?? 0) + 1);
  const seen = new Set<Dim>();
  const walk = (d: Dim) => {
    if (seen.has(d)) return;
    seen.add(d);
    for (const c of dimChildren(d)) {
      readers.set(c, [...(readers.get(c) ?? []), d]);
      walk(c);
    }
  };
  tops.forEach(walk);
  const variable = new Map<Dim, Dim>();
  for (const o of op.outputs) {
    let v = o;
    for (;;) {
      const rs = readers.get(v) ?? [];
      if (topCount.has(v) || rs.length !== 1 || rs[0]!.node.kind !== 'merge-hi') break;
      v = rs[0]!;
    }
    variable.set(o, v);
  }
  return variable;
}

/** Value of expression `d` given values of the variables in `env`; −1 when outside (Unfold padding). */
function evaluate(d: Dim, env: ReadonlyMap<Dim, number>, binding: Binding): number {
  const known = env.get(d);
  if (known !== undefined) return known;
  const n = d.node;
  const v = (x: Dim) => evaluate(x, env, binding);
  switch (n.kind) {
    case 'output':
    case 'reduce':
      throw new Error(`internal error: chain execution reached iterator \`${d.key}\` without a value; please report this`);
    case 'merge-hi': {
      const a = v(n.of);
      return a < 0 ? -1 : Math.floor(a / sizeValue(n.block, binding));
    }
    case 'merge-lo': {
      const a = v(n.of);
      return a < 0 ? -1 : a % sizeValue(n.block, binding);
    }
    case 'split': {
      const a = v(n.hi);
      const b = v(n.lo);
      return a < 0 || b < 0 ? -1 : a * sizeValue(n.lo.size, binding) + b;
    }
    case 'shift': {
      const a = v(n.of);
      return a < 0 ? -1 : (a + 1) % sizeValue(d.size, binding);
    }
    case 'stride': {
      const a = v(n.of);
      return a < 0 ? -1 : a * sizeValue(n.stride, binding);
    }
    case 'unfold': {
      const m = v(n.main);
      const w = v(n.window);
      if (m < 0 || w < 0) return -1;
      const at = m + w - Math.floor((sizeValue(n.window.size, binding) - 1) / 2);
      return at < 0 || at >= sizeValue(d.size, binding) ? -1 : at;
    }
  }
}

/** The variables an expression reads (outputs mapped to their variable), in first-seen order. */
function readsOf(dims: readonly Dim[], variable: ReadonlyMap<Dim, Dim>, reductions: ReadonlySet<Dim>): Dim[] {
  const out: Dim[] = [];
  const visit = (d: Dim) => {
    const v = [...variable.values()].includes(d) ? d : null;
    if (v || reductions.has(d)) {
      if (!out.includes(d)) out.push(d);
      return;
    }
    if (d.node.kind === 'output') {
      const w = variable.get(d)!;
      if (!out.includes(w)) out.push(w);
      return;
    }
    dimChildren(d).forEach(visit);
  };
  dims.forEach(visit);
  return out;
}

/** A dense tensor over an ordered list of variables (row-major). */
interface Running {
  vars: Dim[];
  data: Float64Array;
}

function* points(extents: readonly number[]): Generator<number[]> {
  const n = volume(extents);
  const p = new Array<number>(extents.length).fill(0);
  for (let i = 0; i < n; i++) {
    let rest = i;
    for (let a = extents.length - 1; a >= 0; a--) {
      p[a] = rest % extents[a]!;
      rest = Math.floor(rest / extents[a]!);
    }
    yield p;
  }
}

function flatIndex(vars: readonly Dim[], extent: (d: Dim) => number, env: ReadonlyMap<Dim, number>): number {
  let at = 0;
  for (const v of vars) at = at * extent(v) + env.get(v)!;
  return at;
}

/** Offset of a tensor element, or −1 when an index falls outside (the term is zero). */
function offset(dims: readonly Dim[], env: ReadonlyMap<Dim, number>, binding: Binding): number {
  let at = 0;
  for (const d of dims) {
    const i = evaluate(d, env, binding);
    if (i < 0) return -1;
    at = at * sizeValue(d.size, binding) + i;
  }
  return at;
}

/** Run the chain schedule with weights multiplied in `order`, counting multiplies and adds. */
export function executeChain(op: Operator, binding: Binding, order: readonly number[], x: Float64Array, weights: readonly Float64Array[]): ChainRun {
  const variable = outputVariables(op);
  const reductions = new Set(op.reductions);
  const extent = (d: Dim) => sizeValue(d.size, binding);
  const weightReads = op.weights.map((w) => readsOf(w, variable, reductions));
  let muls = 0;
  let adds = 0;
  const stillRead = (from: number, v: Dim) => order.slice(from).some((j) => weightReads[j]!.includes(v));
  const sumOut = (t: Running, from: number): Running => {
    const keep = t.vars.filter((v) => !reductions.has(v) || stillRead(from, v));
    if (keep.length === t.vars.length) return t;
    const out = new Float64Array(volume(keep.map(extent)));
    const written = new Uint8Array(out.length);
    const env = new Map<Dim, number>();
    let i = 0;
    for (const p of points(t.vars.map(extent))) {
      t.vars.forEach((v, a) => env.set(v, p[a]!));
      const at = flatIndex(keep, extent, env);
      if (written[at]) {
        out[at]! += t.data[i]!;
        adds++;
      } else {
        out[at] = t.data[i]!;
        written[at] = 1;
      }
      i++;
    }
    return { vars: keep, data: out };
  };
  // The viewed input: a view, no arithmetic.
  const inVars = readsOf(op.input, variable, reductions);
  let running: Running = { vars: inVars, data: new Float64Array(volume(inVars.map(extent))) };
  {
    const env = new Map<Dim, number>();
    let i = 0;
    for (const p of points(inVars.map(extent))) {
      inVars.forEach((v, a) => env.set(v, p[a]!));
      const at = offset(op.input, env, binding);
      running.data[i++] = at < 0 ? 0 : x[at]!;
    }
  }
  running = sumOut(running, 0);
  order.forEach((j, step) => {
    const vars = [...running.vars, ...weightReads[j]!.filter((v) => !running.vars.includes(v))];
    const data = new Float64Array(volume(vars.map(extent)));
    const env = new Map<Dim, number>();
    let i = 0;
    for (const p of points(vars.map(extent))) {
      vars.forEach((v, a) => env.set(v, p[a]!));
      const at = offset(op.weights[j]!, env, binding);
      data[i++] = running.data[flatIndex(running.vars, extent, env)]! * (at < 0 ? 0 : weights[j]![at]!);
      muls++;
    }
    running = sumOut({ vars, data }, step + 1);
  });
  // Broadcast to y through the output variables (views: free).
  const outShape = op.outputs.map(extent);
  const y = new Float64Array(volume(outShape));
  const env = new Map<Dim, number>();
  let i = 0;
  for (const p of points(outShape)) {
    op.outputs.forEach((o, a) => env.set(o, p[a]!));
    const local = new Map<Dim, number>();
    for (const v of running.vars) {
      const o = op.outputs.find((o) => variable.get(o) === v);
      if (!o) throw new Error(`internal error: reduction \`${v.key}\` survived the chain; please report this`);
      local.set(v, evaluate(v, env, binding));
    }
    y[i++] = running.data[flatIndex(running.vars, extent, local)]!;
  }
  return { y, muls, adds };
}

/** Every order of n weights (n! of them; operators have at most a few weights). */
function permutations(n: number): number[][] {
  if (n === 0) return [[]];
  return permutations(n - 1).flatMap((p) => Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)]));
}

export interface CostRecount {
  /** Multiplies + adds of the cheapest weight order, as executed. */
  readonly cheapestChain: number;
  /** Weight elements under the binding (Σ volumes of the weight shapes). */
  readonly weightElements: number;
  /** Orders whose result differs from `forward` (the schedule would not compute the operator). */
  readonly badOrders: readonly string[];
  /** The operator's index table under the binding. */
  readonly table: IndexTable;
}

/**
 * Executes the chain schedule in every weight order on seeded N(0, 1) operands and recounts the
 * cost: compare `cheapestChain` with cost.ts `operatorFlops` and `weightElements` with `operatorParams`.
 */
export function recountCost(op: Operator, binding: Binding, seed: number): CostRecount {
  const table = indexTable(op, binding);
  const rng = new Rng(seed);
  const x = Float64Array.from({ length: volume(table.inputShape) }, () => rng.normal());
  const ws = table.weightShapes.map((s) => Float64Array.from({ length: volume(s) }, () => rng.normal()));
  const want = forward(table, x, ws);
  let cheapestChain = Infinity;
  const badOrders: string[] = [];
  for (const order of permutations(op.weights.length)) {
    const run = executeChain(op, binding, order, x, ws);
    cheapestChain = Math.min(cheapestChain, run.muls + run.adds);
    const off = run.y.findIndex((v, i) => Math.abs(v - want[i]!) > 1e-9 * (1 + Math.abs(want[i]!)));
    if (off >= 0) badOrders.push(`order ${order}: y[${off}] = ${run.y[off]} but forward gives ${want[off]}`);
  }
  return { cheapestChain, weightElements: table.weightShapes.reduce((s, shape) => s + volume(shape), 0), badOrders, table };
}
