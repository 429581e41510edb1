/**
 * cost.ts against an independent recount: 1,000 random complete operators (seeded random walks of up
 * to 8 steps on the three reference specs) are executed with the chain schedule (src/search/chain.ts),
 * counting every multiply and add performed. For each operator: every weight order computes eval.ts
 * `forward` (the schedule is a correct evaluation), the cheapest order's count equals `operatorFlops`
 * exactly, and `operatorParams` equals the element count of the weight tensors the index table sizes.
 */
import { describe, expect, it } from 'vitest';
import { ruleSet } from '../../src/search/canonical.js';
import { executeChain } from '../../src/search/chain.js';
import { operatorFlops, operatorParams } from '../../src/search/cost.js';
import { sampleOperators } from '../../src/search/enumerate.js';
import { forward, indexTable, volume } from '../../src/search/eval.js';
import type { Operator } from '../../src/search/ir.js';
import { namedOperators } from '../../src/search/library.js';
import type { Binding } from '../../src/search/size.js';
import { image2dSpec, linearSpec, sequenceSpec } from '../../src/search/specs.js';
import { Rng } from '../../src/util/rng.js';

function permutations(n: number): number[][] {
  if (n === 0) return [[]];
  return permutations(n - 1).flatMap((p) => Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)]));
}

/** Problems found for one operator (empty when cost.ts is exact and the schedule is correct). */
function check(op: Operator, binding: Binding, seed: number): string[] {
  const problems: string[] = [];
  const t = indexTable(op, binding);
  const rng = new Rng(seed);
  const x = Float64Array.from({ length: volume(t.inputShape) }, () => rng.normal());
  const ws = t.weightShapes.map((s) => Float64Array.from({ length: volume(s) }, () => rng.normal()));
  const want = forward(t, x, ws);
  let best = Infinity;
  for (const order of permutations(op.weights.length)) {
    const run = executeChain(op, binding, order, x, ws);
    best = Math.min(best, run.muls + run.adds);
    const off = run.y.findIndex((v, i) => Math.abs(v - want[i]!) > 1e-9 * (1 + Math.abs(want[i]!)));
    if (off >= 0) problems.push(`order ${order}: y[${off}] = ${run.y[off]} but forward gives ${want[off]}`);
  }
  const flops = operatorFlops(op, binding).flops;
  if (flops !== best) problems.push(`operatorFlops ${flops}, executed chain ${best}`);
  const params = t.weightShapes.reduce((s, shape) => s + volume(shape), 0);
  if (operatorParams(op, binding) !== params) problems.push(`operatorParams ${operatorParams(op, binding)}, weight elements ${params}`);
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
