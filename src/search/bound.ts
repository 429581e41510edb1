/**
 * A FLOPs lower bound for partial operators: every operator that can still be built from a state
 * costs at least `flopsLowerBound(state)` under the binding (cost.ts's exact count), so a state whose
 * bound exceeds the budget is pruned with nothing lost.
 *
 * Derivation (docs/formulas.md, "Search: FLOPs lower bound"). Take a frontier expression d that
 * reads a reduction iterator. Expand may not drop it, so some tensor T of every finished operator
 * holds a descendant of d, and every later step keeps d whole inside its results (Merge wraps it as
 * ⌊d/B⌋ and d mod B, Split and Unfold put it under a new node), so T reads every iterator of d. In
 * the chain schedule of cost.ts:
 *   - T a weight: the stage that multiplies T costs |S ∪ I_T| ≥ |I_T| multiplications;
 *   - T the input, with weights: the input's early sums and the first product cost
 *     (|I_x| − |I_x'|) + |I_x' ∪ I_w| ≥ |I_x|;
 *   - T the input, no weights: the cost is the input's sums, |I_x \ R|·(|I_x ∩ R| − 1).
 * |·| is the product of extents, output iterators counted as their "atoms" (cost.ts
 * `iteratorAtoms`): an output iterator o read only through ⌊o/B⌋ counts |o|/B. Inside d, the atom
 * of o can climb at most to the top of the chain of ⌊·/B⌋ nodes directly above o (its parent there
 * is not a ⌊·/B⌋, or it is d itself, which then reads no reduction), so that node's size is a lower
 * bound on the atom's extent. With R_d = the product of d's reduction extents and O_d = the product
 * of those atom bounds, all three cases give at least O_d·R_d·(1 − 1/R_d) = O_d·(R_d − 1), and the
 * bound is the largest such figure over the frontier (0 when no expression reads a reduction).
 *
 * Second figure: output iterators are never summed out, so the last stage's product (or, without
 * weights, the input's sums over a reduction of extent ≥ 2) costs at least the product of the atoms
 * of every output iterator read by any tensor — in particular of those read inside the
 * reduction-reading expressions, each atom bounded as above (one atom per iterator). The bound is the
 * larger of the two.
 *
 * test/search/bound.test.ts checks bound ≤ the cheapest finished operator reachable from each state
 * of the reference specs (exhaustively, to depth 4) and on the named operators' construction paths.
 */
import type { Dim, State } from './ir.js';
import { sizeValue } from './eval.js';
import type { Binding } from './size.js';

/** For each output iterator read inside `d`, the smallest extent its atom can have (see above). */
function outputAtomBounds(d: Dim, binding: Binding, into: Map<Dim, number>): void {
  const visit = (e: Dim, chainTop: Dim | null): void => {
    const n = e.node;
    switch (n.kind) {
      case 'output': {
        const extent = sizeValue((chainTop ?? e).size, binding);
        into.set(e, Math.min(into.get(e) ?? Infinity, extent));
        return;
      }
      case 'reduce':
        return;
      case 'merge-hi':
        // e is a ⌊·/B⌋ above its operand: the operand's chain may climb to e (or further, if e's own
        // parent is a ⌊·/B⌋ of e, which `chainTop` carries down).
        visit(n.of, chainTop ?? e);
        return;
      case 'merge-lo':
      case 'shift':
      case 'stride':
        visit(n.of, null);
        return;
      case 'split':
        visit(n.hi, null);
        visit(n.lo, null);
        return;
      case 'unfold':
        visit(n.main, null);
        visit(n.window, null);
        return;
    }
  };
  visit(d, null);
}

/** Lower bound on `operatorFlops(op, binding).flops` for every operator finished from `state`. */
export function flopsLowerBound(state: State, binding: Binding): number {
  let best = 0;
  let summed = false;
  const all = new Map<Dim, number>();
  for (const d of new Set(state.frontier)) {
    if (!d.readsReduction) continue;
    let reductions = 1;
    for (const it of d.iterators) if (it.node.kind === 'reduce') reductions *= sizeValue(it.size, binding);
    const atoms = new Map<Dim, number>();
    outputAtomBounds(d, binding, atoms);
    outputAtomBounds(d, binding, all);
    let outputs = 1;
    for (const v of atoms.values()) outputs *= v;
    best = Math.max(best, outputs * (reductions - 1));
    if (reductions >= 2) summed = true;
  }
  if (summed) {
    let outputs = 1;
    for (const v of all.values()) outputs *= v;
    best = Math.max(best, outputs);
  }
  return best;
}
