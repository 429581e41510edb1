/**
 * The Canvas baseline (arXiv 2304.07741): random sample and reject. Each sample draws a length
 * uniformly in 1…maxDepth and applies that many primitives chosen uniformly among all legal ones —
 * no canonical rules, no shape distance, no FLOPs bound — then deals the frontier to the input and
 * weights with a uniformly random completion. A sample that cannot be finished is rejected (a failed
 * rollout, not an evaluation); every accepted sample is evaluated, repeats included, as Canvas trains
 * every kernel it accepts (`dedupe` false: the driver counts each draw).
 */
import type { Op } from './ir.js';
import { applyOp, completions, legalMoves, startState } from './primitives.js';
import type { Proposal, SearchContext, Strategy } from './strategy.js';
import type { Rng } from '../util/rng.js';

export class CanvasSearch implements Strategy {
  readonly name = 'canvas' as const;
  readonly dedupe = false;

  constructor(
    private readonly ctx: SearchContext,
    private readonly rng: Rng,
  ) {}

  private sample(): Proposal {
    const spec = this.ctx.spec;
    const length = 1 + this.rng.int(spec.maxDepth);
    const steps: Op[] = [];
    let state = startState(spec);
    for (let i = 0; i < length; i++) {
      this.ctx.expansions++;
      const moves = legalMoves(state, spec);
      if (moves.length === 0) break;
      const op = moves[this.rng.int(moves.length)]!;
      steps.push(op);
      state = applyOp(state, op);
    }
    const done = completions(state, spec).filter((o) => this.ctx.withinBudget(o));
    return { operator: done.length > 0 ? done[this.rng.int(done.length)]! : null, steps, token: null };
  }

  propose(n: number): Proposal[] {
    return Array.from({ length: n }, () => this.sample());
  }

  update(): void {}

  exhausted(): boolean {
    return false;
  }
}
