/**
 * The shape distance (src/search/distance.ts) against exhaustive search: `isFinishable` agrees with
 * `completions` on every state, and the distance never exceeds the exact number of steps to the
 * nearest finishable state (admissible) on the reference specs to depth 4, nor the steps left on each
 * named operator's construction path.
 */
import { describe, expect, it } from 'vitest';
import { canFinishWithin, isFinishable, shapeDistance } from '../../src/search/distance.js';
import type { State } from '../../src/search/ir.js';
import { namedOperators, type NamedOperator } from '../../src/search/library.js';
import { applyOp, applyOps, legalMoves, startState } from '../../src/search/primitives.js';
import type { SearchSpec } from '../../src/search/spec.js';
import { image2dSpec, linearSpec, sequenceSpec } from '../../src/search/specs.js';
import { groundTruth } from './exhaustive.js';

describe.each([linearSpec(4), sequenceSpec(4)])('shape distance on the $name spec', (spec) => {
  const truth = groundTruth(spec);

  it('visits a non-trivial state space', () => {
    expect(truth.length).toBeGreaterThan(500);
  });

  it('isFinishable ⇔ the state has a completion', () => {
    for (const g of truth) expect(isFinishable(g.state, spec), g.state.key).toBe(g.finishable);
  });

  it('is admissible: distance ≤ exact steps to the nearest finishable state', () => {
    let tight = 0;
    let positive = 0;
    for (const g of truth) {
      if (g.distance === Infinity) continue;
      const h = shapeDistance(g.state, spec);
      expect(h, g.state.key).toBeLessThanOrEqual(g.distance);
      if (h === g.distance) tight++;
      if (h > 0) positive++;
    }
    // Not the trivial bound 0: it is exact on most states and positive on many.
    expect(positive).toBeGreaterThan(50);
    expect(tight / truth.filter((g) => g.distance !== Infinity).length).toBeGreaterThan(0.5);
  });

  it('prunes only states that cannot finish within the depth', () => {
    let pruned = 0;
    for (const g of truth) {
      if (canFinishWithin(g.state, g.depth, spec)) continue;
      pruned++;
      expect(g.distance, g.state.key).toBe(Infinity);
    }
    expect(pruned).toBeGreaterThan(0);
  });
});

describe('shape distance on the named operators', () => {
  /** A spec offering exactly the sizes the operator's own steps use. */
  const specFor = (n: NamedOperator): SearchSpec => ({
    ...sequenceSpec(10),
    inputs: n.iface.inputs,
    outputs: n.iface.outputs,
    primitives: ['reduce', 'share', 'expand', 'merge', 'split', 'shift', 'stride', 'unfold'],
    reduceSizes: [...new Set(n.steps.filter((s) => s.primitive === 'reduce').map((s) => s.size!))],
    blockSizes: [...new Set(n.steps.filter((s) => s.primitive === 'merge').map((s) => s.size!))],
    strideSizes: [],
    maxReductions: 3,
    bindings: [{ C_in: 8, C_out: 8, C: 4, L: 9, H: 6, W: 6, g: 2, k: 3, r: 2 }],
    fingerprintBindings: [],
  });

  it.each(namedOperators().map((n) => [n.name, n] as const))('%s: distance ≤ steps left along its construction', (_name, named) => {
    const spec = specFor(named);
    let state: State = startState(spec);
    named.steps.forEach((op, t) => {
      expect(shapeDistance(state, spec)).toBeLessThanOrEqual(named.steps.length - t);
      state = applyOp(state, op);
    });
    expect(shapeDistance(state, spec)).toBe(0);
  });
});

describe('sizes that can never be made again', () => {
  // On the 2-D spec (blocks coefficient-only) no step lowers a primary exponent, so once H is
  // Expanded (or Split into C_out·H) no chain of steps gives the frontier an expression of size H.
  const spec = image2dSpec(9, 3);
  const byKey = (s: State, key: string) => legalMoves(s, spec).find((m) => m.key === key)!;
  const walk = (keys: readonly string[]) => keys.reduce((s, k) => applyOp(s, byKey(s, k)), startState(spec));

  it('a frontier without H and without a way to make it is a dead end (Infinity), however deep the spec', () => {
    const s = walk(['expand(o1:H)', 'reduce(C_in)', 'shift(o2:W)']);
    expect(shapeDistance(s, spec)).toBe(Infinity);
    expect(shapeDistance(s, image2dSpec(30, 3))).toBe(Infinity);
  });

  it('Split away is gone too: C_out·H never yields H again, while W·k still yields W (Merge by k)', () => {
    const gone = walk(['split(o0:C_out;o1:H)', 'reduce(C_in)']);
    expect(shapeDistance(gone, spec)).toBe(Infinity);
    const kept = walk(['reduce(k)', 'split(o2:W;r0:k)', 'reduce(C_in)']);
    expect(shapeDistance(kept, spec)).toBeLessThan(Infinity);
    // Merge(W·k, k) gives back an expression of size W: the bound must allow it.
    const merged = applyOps(kept, [legalMoves(kept, spec).find((m) => m.primitive === 'merge' && m.operands[0]!.size.key.includes('W'))!]);
    expect(isFinishable(merged, spec) || shapeDistance(merged, spec) < Infinity).toBe(true);
  });
});
