/**
 * The four strategies behind strategy.ts's interface: each rediscovers small named operators by
 * fingerprint; MCTS, run to exhaustion, reaches exactly the semantic classes the exhaustive
 * enumerator finds (so its pruning and exhaustion bookkeeping lose nothing); guided rollouts nearly
 * always finish; one MCTS round's virtual losses spread its descents over distinct operators; the
 * max backup used for R² rewards records r^p and the best reward at every node of each path; the
 * rollouts' lazy move draw (`SearchContext.randomMove`) picks exactly among the moves the full
 * generator keeps.
 */
import { describe, expect, it } from 'vitest';
import type { StrategyName } from '../../src/search/api.js';
import { ruleSet } from '../../src/search/canonical.js';
import { enumerateOperators, fingerprintOf, fingerprintSet } from '../../src/search/enumerate.js';
import { namedOperators } from '../../src/search/library.js';
import { MCTS_FITNESS_DEFAULTS, MctsSearch } from '../../src/search/mcts.js';
import { runSearch } from '../../src/search/run.js';
import { startState } from '../../src/search/primitives.js';
import { linearSpec, sequenceSpec } from '../../src/search/specs.js';
import { SearchContext } from '../../src/search/strategy.js';
import { Rng } from '../../src/util/rng.js';

const named = (name: string) => namedOperators().find((n) => n.name === name)!.operator;
const strategies: readonly StrategyName[] = ['mcts', 'beam', 'random', 'canvas'];

const cases = strategies.flatMap((strategy) =>
  [
    ['dense', linearSpec(4)],
    ['low-rank', linearSpec(4)],
    // Canvas's unguided sampling does not reach depthwise conv1d in 20,000 samples (bench/RESULTS.md).
    ...(strategy === 'canvas' ? [] : [['depthwise-conv1d', sequenceSpec(4)]]),
  ].map(([name, spec]) => [strategy, name as string, spec as ReturnType<typeof linearSpec>] as const),
);

describe('rediscovery', () => {
  it.each(cases)('%s rediscovers %s by fingerprint', async (strategy, name, spec) => {
    const target = fingerprintOf(named(name), spec);
    const r = await runSearch(spec, { strategy, seed: 5, maxEvaluations: 20000, budget: {}, stopAtFingerprint: target, keep: 1e6 });
    expect(r.stats.foundAfter).not.toBeNull();
    expect(r.stats.evaluations).toBe(r.stats.foundAfter);
    expect(r.candidates.some((c) => c.fingerprint === target)).toBe(true);
  });
});

describe('MCTS to exhaustion', () => {
  it.each([
    ['linear', linearSpec(3)],
    ['sequence-1d', sequenceSpec(2)],
  ] as const)('reaches exactly the enumerator’s semantic classes on the %s spec', async (_name, spec) => {
    const r = await runSearch(spec, { strategy: 'mcts', seed: 1, maxEvaluations: 1e6, budget: {}, keep: 1e6 });
    const want = fingerprintSet(enumerateOperators(spec, { rules: ruleSet(), fingerprints: true }));
    expect(new Set(r.candidates.map((c) => c.fingerprint))).toEqual(want);
    expect(r.stats.evaluations).toBe(enumerateOperators(spec, { rules: ruleSet(), fingerprints: false }).perDepth.at(-1)!.operators);
  });
});

describe('guided rollouts', () => {
  it.each([
    ['linear', linearSpec(6)],
    ['sequence-1d', sequenceSpec(6)],
  ] as const)('finish in ≥ 90 percent of random rollouts on the %s spec', async (_name, spec) => {
    const r = await runSearch(spec, { strategy: 'random', seed: 2, maxEvaluations: 300, budget: {} });
    expect(r.stats.validRollouts / r.stats.rollouts).toBeGreaterThanOrEqual(0.9);
  });

  it('Canvas’s unguided samples are rejected far more often', async () => {
    const r = await runSearch(sequenceSpec(6), { strategy: 'canvas', seed: 2, maxEvaluations: 300, budget: {} });
    expect(r.stats.validRollouts / r.stats.rollouts).toBeLessThan(0.7);
  });
});

describe('virtual loss', () => {
  it('spreads one MCTS round of 16 descents over 16 distinct tree paths', () => {
    const spec = sequenceSpec(4);
    const mcts = new MctsSearch(new SearchContext(spec, ruleSet(), {}), new Rng(3));
    for (let round = 0; round < 5; round++) {
      const ps = mcts.propose(16);
      expect(ps.length).toBe(16);
      const ends = ps.map((p) => (p.token as { path: { key: string }[] }).path.at(-1)!.key);
      expect(new Set(ends).size).toBe(16);
      mcts.update(
        ps,
        ps.map(() => 0.5),
      );
    }
  });
});

describe('max backup (graded rewards)', () => {
  it('backs up r^p into every node of the path and keeps the best each node saw', () => {
    const spec = sequenceSpec(4);
    const mcts = new MctsSearch(new SearchContext(spec, ruleSet(), {}), new Rng(5), MCTS_FITNESS_DEFAULTS);
    type N = { key: string; visits: number; total: number; best: number };
    const seen = new Map<N, number[]>();
    for (let round = 0; round < 4; round++) {
      const ps = mcts.propose(8);
      const rewards = ps.map((_, i) => (i === round ? 1 : 0.25));
      mcts.update(ps, rewards);
      ps.forEach((p, i) => {
        for (const node of (p.token as { path: N[] }).path) seen.set(node, [...(seen.get(node) ?? []), Math.sqrt(rewards[i]!)]);
      });
    }
    expect(seen.size).toBeGreaterThan(8);
    for (const [node, rs] of seen) {
      expect(node.visits).toBe(rs.length);
      expect(node.total).toBeCloseTo(rs.reduce((a, b) => a + b, 0), 9);
      expect(node.best).toBe(Math.max(...rs));
    }
  });
});

describe('lazy rollout moves', () => {
  it('randomMove draws only moves the full generator keeps, each of them, and null exactly when there is none', () => {
    const spec = sequenceSpec(4);
    // Two contexts: `lazy` never builds a state's full move list, `full` does.
    const lazy = new SearchContext(spec, ruleSet(), {});
    const full = new SearchContext(spec, ruleSet(), {});
    const rng = new Rng(11);
    const frontier = [startState(spec)];
    let checked = 0;
    for (let depth = 0; depth <= spec.maxDepth && frontier.length > 0; depth++) {
      const level = frontier.splice(0).slice(0, 12);
      for (const state of level) {
        const moves = full.moves(state, depth);
        const keys = new Set(moves.map((m) => m.op.key));
        const drawn = new Set<string>();
        for (let i = 0; i < 40 * Math.max(1, moves.length); i++) {
          const m = lazy.randomMove(state, depth, rng);
          if (moves.length === 0) {
            expect(m).toBeNull();
            break;
          }
          expect(m).not.toBeNull();
          expect(keys.has(m!.op.key)).toBe(true);
          expect(m!.child).toBe(moves.find((x) => x.op === m!.op)!.child);
          drawn.add(m!.op.key);
        }
        expect(drawn.size).toBe(keys.size); // every kept move comes up
        checked++;
        frontier.push(...moves.map((m) => m.child));
      }
    }
    expect(checked).toBeGreaterThan(30);
  });
});
