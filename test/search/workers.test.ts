/**
 * Crossing threads: the JSON forms of serialize.ts rebuild the identical hash-consed objects, and a
 * search gives the same result (candidates, their order, Pareto front, every statistic but seconds)
 * with 1, 2 and 3 scoring threads — with the real fitness scorer, loaded by the workers themselves.
 */
import { describe, expect, it } from 'vitest';
import type { SearchRequest, SearchResult } from '../../src/search/api.js';
import { namedOperators } from '../../src/search/library.js';
import { applyOps, startState } from '../../src/search/primitives.js';
import { runSearch } from '../../src/search/run.js';
import {
  operatorFromString,
  operatorToString,
  sizeFromJson,
  sizeToJson,
  specFromJson,
  specToJson,
  stepsFromString,
  stepsToString,
} from '../../src/search/serialize.js';
import { linearSpec, sequenceSpec } from '../../src/search/specs.js';
import { ScoringPool } from '../../src/search/workers.js';

describe('serialize', () => {
  it.each(namedOperators().map((n) => [n.name, n] as const))('%s: operator and steps round-trip to the same objects', (_name, n) => {
    expect(operatorFromString(operatorToString(n.operator))).toBe(n.operator);
    const steps = stepsFromString(stepsToString(n.steps));
    steps.forEach((s, i) => expect(s).toBe(n.steps[i]));
    expect(applyOps(startState(n.iface), steps)).toBe(applyOps(startState(n.iface), n.steps));
  });

  it('round-trips sizes and specs', () => {
    const spec = sequenceSpec(6);
    for (const s of [...spec.reduceSizes, ...spec.blockSizes, ...spec.strideSizes]) expect(sizeFromJson(sizeToJson(s))).toBe(s);
    const back = specFromJson(JSON.parse(JSON.stringify(specToJson(spec))));
    expect(back.reduceSizes).toEqual(spec.reduceSizes);
    expect(back.inputs.map((i) => i.size)).toEqual(spec.inputs.map((i) => i.size));
    expect(back).toEqual(spec);
  });
});

describe('scoring in worker threads', () => {
  const spec = linearSpec(4);
  const dense = namedOperators().find((n) => n.name === 'dense')!.operator;
  const fitness = { teacher: dense, teacherName: 'dense', binding: { C_in: 8, C_out: 8, g: 2, r: 2 }, samples: 48, heldOut: 16, seed: 3 };

  it('scores a batch identically inline and in 2 workers', async () => {
    const ops = namedOperators()
      .filter((n) => n.iface.inputs.length === 1)
      .map((n) => n.operator);
    const inline = await ScoringPool.create(spec, fitness, undefined, 1, { module: new URL('../../src/search/fitness.ts', import.meta.url).href, name: 'evaluateFitness' });
    const a = await inline.score(ops);
    await inline.close();
    const pool = await ScoringPool.create(spec, fitness, undefined, 2, { module: new URL('../../src/search/fitness.js', import.meta.url).href, name: 'evaluateFitness' });
    const b = await pool.score(ops);
    await pool.close();
    expect(b).toEqual(a);
    expect(a[0]!.fitness.r2).toBeGreaterThan(0.999); // dense fits dense
  });

  const strip = (r: SearchResult) => ({
    candidates: r.candidates.map((c) => [c.fingerprint, c.operator.key, c.fitness, c.steps.map((s) => s.key)]),
    pareto: r.pareto.map((c) => c.fingerprint),
    stats: { ...r.stats, seconds: 0 },
  });

  it.each(['mcts', 'beam', 'random', 'canvas'] as const)('%s: the same result with 1, 2 and 3 threads', async (strategy) => {
    const request: SearchRequest = { strategy, seed: 11, maxEvaluations: 40, budget: {}, fitness, keep: 8 };
    const one = strip(await runSearch(spec, { ...request, threads: 1 }));
    expect(one.stats.evaluations).toBe(40);
    expect(strip(await runSearch(spec, { ...request, threads: 2 }))).toEqual(one);
    expect(strip(await runSearch(spec, { ...request, threads: 3 }))).toEqual(one);
  });
});
