/**
 * `runSearch`: the guided search's driver (api.ts contract). It builds the strategy (MCTS, beam,
 * random or Canvas; strategy.ts), then runs rounds: the strategy proposes a fixed batch of finished
 * operators, the driver checks budgets and repeats, has the new ones scored (workers.ts: fingerprint
 * and fitness, in worker threads when `threads` > 1), turns scores into rewards in proposal order and
 * feeds them back. Batch sizes and every random draw depend only on the seed, so the result is the
 * same for any thread count (only `stats.seconds` differs, and a `timeSeconds` cap cuts where it cuts).
 *
 * Reward in [0, 1]: with a fitness config, the held-out R² (clamped; NaN is 0); without one, novelty —
 * 1 for an operator whose fingerprint is new to this search, 0 for a repeat. Failed rollouts and
 * operators over the budget get 0 and are not evaluations. MCTS runs with MCTS_FITNESS_DEFAULTS
 * (a max/mean backup of √reward) under R² rewards and with MCTS_DEFAULTS under novelty. With
 * `stopAtFingerprint` the search stops at the first operator with that fingerprint; `foundAfter` is
 * the number of evaluations up to and including it.
 */
import type { Candidate, SearchRequest, SearchResult, StrategyName } from './api.js';
import { BeamSearch } from './beam.js';
import { normalize, NO_RULES, ruleSet } from './canonical.js';
import { CanvasSearch } from './canvas.js';
import type { Operator } from './ir.js';
import { MCTS_DEFAULTS, MCTS_FITNESS_DEFAULTS, MctsSearch } from './mcts.js';
import { paretoFront } from './pareto.js';
import { RandomSearch } from './random.js';
import type { SearchSpec } from './spec.js';
import { SearchContext, type Strategy } from './strategy.js';
import { DEFAULT_SCORER, ScoringPool, type Score, type ScorerRef } from './workers.js';
import { Rng } from '../util/rng.js';

/** Proposals per round; fixed (not tied to the thread count) so results are seed-stable. */
export const ROUND_SIZE = 8;

/** Rounds in a row without a new evaluation after which the search gives up (the space is spent). */
const IDLE_ROUNDS = 1000;

export interface RunOptions {
  /** The fitness scorer (default: fitness.ts `evaluateFitness`); used only with `request.fitness`. */
  readonly scorer?: ScorerRef;
  /** Proposals per round (default ROUND_SIZE). */
  readonly roundSize?: number;
}

/** `fitnessReward`: rewards are R² (graded), so MCTS backs up a max/mean mix of spread rewards (mcts.ts MCTS_FITNESS_DEFAULTS). */
export function makeStrategy(name: StrategyName, ctx: SearchContext, rng: Rng, fitnessReward = false): Strategy {
  switch (name) {
    case 'mcts':
      return new MctsSearch(ctx, rng, fitnessReward ? MCTS_FITNESS_DEFAULTS : MCTS_DEFAULTS);
    case 'beam':
      return new BeamSearch(ctx, rng);
    case 'random':
      return new RandomSearch(ctx, rng);
    case 'canvas':
      return new CanvasSearch(ctx, rng);
  }
}

const rewardOf = (s: Score, fresh: boolean, hasFitness: boolean): number => {
  if (!hasFitness) return fresh ? 1 : 0;
  const r = s.fitness.r2;
  return Number.isNaN(r) ? 0 : Math.min(1, Math.max(0, r));
};

/** Best first: R² (NaN last), then FLOPs, then fingerprint. */
export function compareCandidates(a: Candidate, b: Candidate): number {
  const an = Number.isNaN(a.fitness.r2);
  const bn = Number.isNaN(b.fitness.r2);
  if (an !== bn) return an ? 1 : -1;
  if (!an && a.fitness.r2 !== b.fitness.r2) return b.fitness.r2 - a.fitness.r2;
  if (a.fitness.flops !== b.fitness.flops) return a.fitness.flops - b.fitness.flops;
  return a.fingerprint < b.fingerprint ? -1 : a.fingerprint > b.fingerprint ? 1 : 0;
}

export async function runSearch(spec: SearchSpec, request: SearchRequest, options: RunOptions = {}): Promise<SearchResult> {
  const started = performance.now();
  const rules = request.strategy === 'canvas' ? NO_RULES : ruleSet();
  const ctx = new SearchContext(spec, rules, request.budget);
  const root = new Rng(request.seed);
  const strategy = makeStrategy(request.strategy, ctx, root.derive(1), request.fitness !== undefined);
  const pool = await ScoringPool.create(spec, request.fitness, request.target, request.threads ?? 1, options.scorer ?? DEFAULT_SCORER);
  const roundSize = options.roundSize ?? ROUND_SIZE;
  const hasFitness = request.fitness !== undefined;

  const scores = new Map<string, Score>(); // by normalized operator key
  const byFingerprint = new Map<string, Candidate>();
  let evaluations = 0;
  let rollouts = 0;
  let validRollouts = 0;
  let foundAfter: number | null = null;
  let best: number | null = null;
  let idle = 0;
  const timeUp = () => request.timeSeconds !== undefined && (performance.now() - started) / 1000 >= request.timeSeconds;

  try {
    while (evaluations < request.maxEvaluations && foundAfter === null && !strategy.exhausted() && idle < IDLE_ROUNDS && !timeUp()) {
      const proposals = strategy.propose(roundSize);
      if (proposals.length === 0) {
        idle++;
        continue;
      }
      // Which proposals need scoring, in order, within the evaluation budget.
      const keys: (string | null)[] = [];
      const fresh: Operator[] = [];
      const freshKeys = new Set<string>();
      let planned = evaluations;
      let cut = proposals.length;
      proposals.forEach((p, i) => {
        if (i >= cut) return;
        const key = p.operator ? normalize(rules, p.operator).key : null;
        keys.push(key);
        if (key === null) return;
        const counts = !strategy.dedupe || (!scores.has(key) && !freshKeys.has(key));
        if (!counts) return;
        if (planned >= request.maxEvaluations) {
          cut = i;
          keys.pop();
          return;
        }
        planned++;
        if (!scores.has(key) && !freshKeys.has(key)) {
          freshKeys.add(key);
          fresh.push(p.operator!);
        }
      });
      const got = await pool.score(fresh);
      fresh.forEach((op, i) => scores.set(normalize(rules, op).key, got[i]!));

      const used = proposals.slice(0, cut);
      const rewards: number[] = [];
      let newEvaluations = 0;
      const counted = new Set<string>();
      used.forEach((p, i) => {
        rollouts++;
        const key = keys[i]!;
        if (key === null || foundAfter !== null) {
          rewards.push(0);
          return;
        }
        validRollouts++;
        const s = scores.get(key)!;
        const isEvaluation = !strategy.dedupe || (freshKeys.has(key) && !counted.has(key));
        if (isEvaluation) {
          counted.add(key);
          evaluations++;
          newEvaluations++;
        }
        const isNewClass = !byFingerprint.has(s.fingerprint);
        if (isNewClass) byFingerprint.set(s.fingerprint, { operator: p.operator!, steps: p.steps, fingerprint: s.fingerprint, fitness: s.fitness });
        rewards.push(request.stopAtFingerprint === s.fingerprint ? 1 : rewardOf(s, isNewClass, hasFitness));
        if (!Number.isNaN(s.fitness.r2) && (best === null || s.fitness.r2 > best)) best = s.fitness.r2;
        if (request.stopAtFingerprint !== undefined && s.fingerprint === request.stopAtFingerprint && foundAfter === null) foundAfter = evaluations;
      });
      strategy.update(used, rewards);
      idle = newEvaluations > 0 ? 0 : idle + 1;
      request.onProgress?.({ evaluations, maxEvaluations: request.maxEvaluations, best });
    }
  } finally {
    await pool.close();
  }

  const all = [...byFingerprint.values()].sort(compareCandidates);
  return {
    spec,
    strategy: request.strategy,
    seed: request.seed,
    candidates: all.slice(0, request.keep ?? 10),
    pareto: paretoFront(all),
    stats: {
      expansions: ctx.expansions,
      evaluations,
      rollouts,
      validRollouts,
      foundAfter,
      seconds: (performance.now() - started) / 1000,
    },
  };
}
