/**
 * `runSearch` against the api.ts contract: the evaluation budget, the cost budget (every candidate
 * within it), best-first order and a non-dominated Pareto front, progress reports, `keep`, the
 * fingerprint stop, and the fitness reward leading MCTS to an operator as good as its teacher.
 */
import { describe, expect, it } from 'vitest';
import type { SearchProgress } from '../../src/search/api.js';
import { operatorFlops, operatorParams } from '../../src/search/cost.js';
import { fingerprintOf } from '../../src/search/enumerate.js';
import { namedOperators } from '../../src/search/library.js';
import { dominates } from '../../src/search/pareto.js';
import { applyOps, completions, startState } from '../../src/search/primitives.js';
import { compareCandidates, runSearch } from '../../src/search/run.js';
import { linearSpec, sequenceSpec } from '../../src/search/specs.js';

const named = (name: string) => namedOperators().find((n) => n.name === name)!.operator;

describe('runSearch', () => {
  const spec = sequenceSpec(5);
  const binding = spec.bindings[0]!;
  const maxFlops = 4 * binding.C! * binding.L!; // a few FLOPs per output point: no full channel mixing

  it('keeps to the evaluation and cost budgets and reports progress', async () => {
    const progress: SearchProgress[] = [];
    const r = await runSearch(spec, { strategy: 'mcts', seed: 4, maxEvaluations: 150, budget: { maxFlops, maxParams: 64 }, keep: 1000, onProgress: (p) => progress.push(p) });
    expect(r.stats.evaluations).toBe(150);
    expect(r.candidates.length).toBeGreaterThan(20);
    for (const c of r.candidates) {
      expect(operatorFlops(c.operator, binding).flops).toBeLessThanOrEqual(maxFlops);
      expect(operatorParams(c.operator, binding)).toBeLessThanOrEqual(64);
      expect(c.fitness.flops).toBe(operatorFlops(c.operator, binding).flops);
      expect(c.fingerprint).toBe(fingerprintOf(c.operator, spec));
      // The steps replay to a state the operator completes.
      expect(completions(applyOps(startState(spec), c.steps), spec)).toContain(c.operator);
    }
    expect(progress.length).toBeGreaterThan(5);
    expect(progress.at(-1)!.evaluations).toBe(150);
    progress.slice(1).forEach((p, i) => expect(p.evaluations).toBeGreaterThanOrEqual(progress[i]!.evaluations));
    expect(r.stats.expansions).toBeGreaterThan(0);
    expect(r.stats.validRollouts).toBeLessThanOrEqual(r.stats.rollouts);
  });

  it('orders candidates best first, keeps `keep`, and returns a non-dominated front', async () => {
    const all = await runSearch(spec, { strategy: 'random', seed: 9, maxEvaluations: 60, budget: {}, keep: 1000 });
    const few = await runSearch(spec, { strategy: 'random', seed: 9, maxEvaluations: 60, budget: {}, keep: 5 });
    expect(few.candidates).toEqual(all.candidates.slice(0, 5));
    all.candidates.slice(1).forEach((c, i) => expect(compareCandidates(all.candidates[i]!, c)).toBeLessThanOrEqual(0));
    expect(all.pareto.length).toBeGreaterThan(0);
    for (const p of all.pareto) for (const c of all.candidates) expect(dominates(c.fitness, p.fitness)).toBe(false);
  });

  it('stops at the target fingerprint and counts the evaluations to it', async () => {
    const target = fingerprintOf(named('dense'), linearSpec(4));
    const r = await runSearch(linearSpec(4), { strategy: 'mcts', seed: 1, maxEvaluations: 5000, budget: {}, stopAtFingerprint: target, keep: 1e6 });
    expect(r.stats.foundAfter).toBe(r.stats.evaluations);
    expect(r.candidates.filter((c) => c.fingerprint === target)).toHaveLength(1);
  });

  it('with a fitness config, MCTS finds an operator that matches its teacher (R² > 0.999)', async () => {
    const teacher = named('low-rank');
    const fitness = { teacher, teacherName: 'low-rank', binding: { C_in: 8, C_out: 8, g: 2, r: 2 }, samples: 48, heldOut: 16, seed: 3 };
    const r = await runSearch(linearSpec(4), { strategy: 'mcts', seed: 2, maxEvaluations: 150, budget: {}, fitness });
    expect(r.candidates[0]!.fitness.r2).toBeGreaterThan(0.999);
    expect(r.candidates[0]!.fitness.method).not.toBe('none');
  });
});
