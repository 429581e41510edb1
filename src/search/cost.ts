/**
 * Exact FLOPs and parameter counts of an operator under a binding.
 *
 * Parameters: Σ_j Π |dims of w_j|.
 *
 * FLOPs (`operatorFlops`): the operator y[o] = Σ_r x[f] · Π_j w_j[g_j] is evaluated as a chain —
 * the viewed input first, then one weight at a time — and every reduction iterator is summed out as
 * soon as no tensor still to be multiplied reads it (views are free: they only move indices). With
 * S the iterator set of the running tensor and I_j those read by the next weight, one stage costs
 *
 *     muls = |S ∪ I_j|,    adds = |S ∪ I_j| − |S'|,    S' = (S ∪ I_j) minus the reductions now done
 *
 * where |·| is the product of the iterators' extents. An output iterator read only through
 * ⌊o/B⌋ (its o mod B half was Expanded away) counts as an iterator of extent |o|/B: the output is
 * constant along o mod B, so it is computed once per ⌊o/B⌋ and broadcast (a view, free). Reductions read only by the input are summed
 * before the first weight (adds only). The weight order is the cheapest of all orders (≤ 3! here).
 * The count is exact for that schedule: `adds` is points-before minus points-after, not 2 × MACs, so
 * a dense layer costs C_out · (2·C_in − 1). Zero-padded terms of an Unfold are counted (a dense loop
 * computes them), and weight–weight products are never precomputed. Both choices are what the naive
 * and the generated kernels do; a smarter schedule would be a different, smaller figure.
 */
import { dimChildren, type Dim, type Operator } from './ir.js';
import { sizeValue } from './eval.js';
import type { Binding } from './size.js';

/** Σ_j Π |dims of w_j| under `binding`. */
export function operatorParams(op: Operator, binding: Binding): number {
  return op.weights.reduce((sum, w) => sum + w.reduce((p, d) => p * sizeValue(d.size, binding), 1), 0);
}

export interface FlopCount {
  readonly muls: number;
  readonly adds: number;
  readonly flops: number;
  /** Weight indices in the multiplication order that achieves the count. */
  readonly order: readonly number[];
}

function permutations(n: number): number[][] {
  if (n === 0) return [[]];
  return permutations(n - 1).flatMap((p) => Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)]));
}

/** Exact muls + adds of the cheapest chain schedule (see the file comment). */
export function operatorFlops(op: Operator, binding: Binding): FlopCount {
  const atom = iteratorAtoms(op);
  const volumeOf = (set: ReadonlySet<Dim>) => [...set].reduce((p, d) => p * sizeValue(d.size, binding), 1);
  const reads = (dims: readonly Dim[]) => new Set(dims.flatMap((d) => d.iterators.map((it) => atom.get(it) ?? it)));
  const inputReads = reads(op.input);
  const weightReads = op.weights.map(reads);
  let best: FlopCount | null = null;
  for (const order of permutations(op.weights.length)) {
    let muls = 0;
    let adds = 0;
    const stillRead = (from: number, it: Dim) => order.slice(from).some((j) => weightReads[j]!.has(it));
    const sumOut = (set: Set<Dim>, from: number) => {
      const before = volumeOf(set);
      for (const it of [...set]) if (it.iterators.some((x) => x.node.kind === 'reduce') && !stillRead(from, it)) set.delete(it);
      adds += before - volumeOf(set);
    };
    const running = new Set(inputReads);
    sumOut(running, 0);
    order.forEach((j, step) => {
      for (const it of weightReads[j]!) running.add(it);
      muls += volumeOf(running);
      sumOut(running, step + 1);
    });
    if (best === null || muls + adds < best.flops) best = { muls, adds, flops: muls + adds, order };
  }
  return best!;
}


/**
 * For each output iterator, the coarsest expression the operator reads it through: climb from the
 * iterator while its only reader is one ⌊·/B⌋ node that is not itself a tensor dimension's top.
 */
export function iteratorAtoms(op: Operator): Map<Dim, Dim> {
  const tops = [...op.input, ...op.weights.flat()];
  const parents = new Map<Dim, Set<Dim>>();
  const visit = (d: Dim) => {
    for (const c of dimChildren(d)) {
      let ps = parents.get(c);
      if (!ps) parents.set(c, (ps = new Set()));
      if (!ps.has(d)) {
        ps.add(d);
        visit(c);
      }
    }
  };
  tops.forEach(visit);
  const isTop = new Set(tops);
  const atoms = new Map<Dim, Dim>();
  for (const o of op.outputs) {
    let cur = o;
    for (;;) {
      const ps = parents.get(cur);
      if (isTop.has(cur) || !ps || ps.size !== 1) break;
      const [p] = ps as Set<Dim> & Iterable<Dim>;
      if (p!.node.kind !== 'merge-hi') break;
      cur = p!;
    }
    atoms.set(o, cur);
  }
  return atoms;
}
