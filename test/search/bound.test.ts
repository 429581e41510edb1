/**
 * The FLOPs lower bound (src/search/bound.ts) against exhaustive search: on every state of the
 * reference specs to depth 4, the bound never exceeds the exact FLOPs of the cheapest operator that
 * can still be finished from it; along each named operator's construction it never exceeds that
 * operator's FLOPs; and it is not the trivial bound 0.
 */
import { describe, expect, it } from 'vitest';
import { flopsLowerBound } from '../../src/search/bound.js';
import { operatorFlops } from '../../src/search/cost.js';
import { namedOperators } from '../../src/search/library.js';
import { applyOp, startState } from '../../src/search/primitives.js';
import type { Binding } from '../../src/search/size.js';
import { linearSpec, sequenceSpec } from '../../src/search/specs.js';
import { groundTruth } from './exhaustive.js';

describe.each([linearSpec(4), sequenceSpec(4)])('FLOPs lower bound on the $name spec', (spec) => {
  const truth = groundTruth(spec).filter((g) => g.minFlops !== Infinity);
  const binding = spec.bindings[0]!;

  it('never exceeds the cheapest reachable operator', () => {
    for (const g of truth) expect(flopsLowerBound(g.state, binding), g.state.key).toBeLessThanOrEqual(g.minFlops);
  });

  it('is positive on states that read a reduction', () => {
    const positive = truth.filter((g) => flopsLowerBound(g.state, binding) > 0).length;
    expect(positive).toBeGreaterThan(truth.length / 4);
  });
});

describe('FLOPs lower bound on the named operators', () => {
  const binding: Binding = { C_in: 64, C_out: 128, C: 64, L: 1026, H: 18, W: 18, g: 4, k: 3, r: 8 };
  it.each(namedOperators().map((n) => [n.name, n] as const))('%s: bound ≤ its FLOPs at every step', (_name, named) => {
    const flops = operatorFlops(named.operator, binding).flops;
    let state = startState(named.iface);
    let last = 0;
    for (const op of named.steps) {
      state = applyOp(state, op);
      last = flopsLowerBound(state, binding);
      expect(last).toBeLessThanOrEqual(flops);
    }
    expect(last).toBeGreaterThan(0);
  });
});
