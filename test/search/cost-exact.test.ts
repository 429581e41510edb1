/**
 * cost.ts against an independent recount: 1,000 random complete operators (seeded random walks of up
 * to 8 steps on the three reference specs) are executed with the chain schedule (src/search/chain.ts),
 * counting every multiply and add performed. For each operator: every weight order computes eval.ts
 * `forward` (the schedule is a correct evaluation), the cheapest order's count equals `operatorFlops`
 * exactly, and `operatorParams` equals the element count of the weight tensors the index table sizes.
 */
import { describe, expect, it } from 'vitest';
import { ruleSet } from '../../src/search/canonical.js';
import { recountCost } from '../../src/search/chain.js';
import { operatorFlops, operatorParams } from '../../src/search/cost.js';
import { sampleOperators } from '../../src/search/enumerate.js';
import type { Operator } from '../../src/search/ir.js';
import { namedOperators } from '../../src/search/library.js';
import type { Binding } from '../../src/search/size.js';
import { image2dSpec, linearSpec, sequenceSpec } from '../../src/search/specs.js';
import { Rng } from '../../src/util/rng.js';

/** Problems found for one operator (empty when cost.ts is exact and the schedule is correct). */
function check(op: Operator, binding: Binding, seed: number): string[] {
  const r = recountCost(op, binding, seed);
  const problems = [...r.badOrders];
  const flops = operatorFlops(op, binding).flops;
  if (flops !== r.cheapestChain) problems.push(`operatorFlops ${flops}, executed chain ${r.cheapestChain}`);
  if (operatorParams(op, binding) !== r.weightElements) problems.push(`operatorParams ${operatorParams(op, binding)}, weight elements ${r.weightElements}`);
  return problems;
}

describe('FLOPs and parameters are exact', () => {
  it('on the named operators', () => {
    const B: Binding = { C_in: 6, C_out: 4, C: 5, L: 9, H: 5, W: 6, g: 2, k: 3, r: 2 };
    for (const n of namedOperators()) expect(check(n.operator, B, 1), n.name).toEqual([]);
  });

  it.each([
    [linearSpec(8), 400, 1],
    [sequenceSpec(8), 300, 0],
    [image2dSpec(8), 300, 0],
  ] as const)('on %# random operators of the $name spec (1,000 in all)', (spec, count, b) => {
    const ops = sampleOperators(spec, count, new Rng(99).derive(spec.name.length), { rules: ruleSet() });
    expect(ops).toHaveLength(count);
    const binding = spec.fingerprintBindings[b]!;
    const bad = ops.flatMap(({ operator }, i) => check(operator, binding, i).map((p) => `${operator.key}: ${p}`));
    expect(bad).toEqual([]);
  }, 120_000);
});
