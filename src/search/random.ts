/**
 * Guided random search: independent random rollouts from the start state (strategy.ts `rollout`),
 * through the same pruned move generator MCTS uses (canonical rules, shape distance, FLOPs bound).
 * It learns nothing from rewards; it is the yardstick MCTS's expansions are compared with.
 */
import { startState } from './primitives.js';
import { rollout, type Proposal, type SearchContext, type Strategy } from './strategy.js';
import type { Rng } from '../util/rng.js';

export class RandomSearch implements Strategy {
  readonly name = 'random' as const;
  readonly dedupe = true;

  /** The start state has neither a move nor a completion. */
  private readonly empty: boolean;

  constructor(
    private readonly ctx: SearchContext,
    private readonly rng: Rng,
  ) {
    const root = startState(ctx.spec);
    this.empty = ctx.moves(root, 0).length === 0 && ctx.finishes(root).length === 0;
  }

  propose(n: number): Proposal[] {
    const root = startState(this.ctx.spec);
    return Array.from({ length: n }, () => ({ ...rollout(this.ctx, this.rng, root, 0, []), token: null }));
  }

  update(): void {}

  exhausted(): boolean {
    return this.empty;
  }
}
