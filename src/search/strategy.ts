/**
 * The one interface behind which MCTS, beam, random and Canvas search explore the operator DAG, and
 * the pieces they share: the guided move generator (canonical rules + shape distance + FLOPs bound),
 * budget-checked completions and the random rollout.
 *
 * A strategy works in rounds: `propose(n)` hands the driver (run.ts) up to n finished operators (or
 * failed rollouts) chosen from its own state and seeded generator only; the driver scores them — in
 * worker threads or not — and calls `update` with the rewards in proposal order. Nothing a strategy
 * sees depends on timing or the thread count, so a seed gives the same search everywhere.
 */
import type { CostBudget, StrategyName } from './api.js';
import { flopsLowerBound } from './bound.js';
import { allows, type CanonicalRule } from './canonical.js';
import { operatorFlops, operatorParams } from './cost.js';
import { isFinishable, shapeDistance } from './distance.js';
import type { Op, Operator, State } from './ir.js';
import { applyOp, completions, legalMoves } from './primitives.js';
import type { Binding } from './size.js';
import type { SearchSpec } from './spec.js';
import type { Rng } from '../util/rng.js';

/** One finished operator (or a rollout that failed: `operator` null) and how it was built. */
export interface Proposal {
  readonly operator: Operator | null;
  /** Construction sequence from the start state (replayable with applyOps + completeWith). */
  readonly steps: readonly Op[];
  /** Strategy-private bookkeeping (the tree path, the beam slot). */
  readonly token: unknown;
}

export interface Strategy {
  readonly name: StrategyName;
  /** True: an operator drawn twice is scored once (guided search). False: every draw counts (Canvas). */
  readonly dedupe: boolean;
  propose(n: number): Proposal[];
  /** Rewards in [0, 1], one per proposal of the last `propose`, in its order. */
  update(proposals: readonly Proposal[], rewards: readonly number[]): void;
  /** True when nothing is left to propose (the whole pruned space was visited). */
  exhausted(): boolean;
}

export interface GuidedMove {
  readonly op: Op;
  readonly child: State;
}

/** A number naming (state, depth): states are interned with a unique id, and depths stay below 2^10. */
export const nodeId = (state: State, depth: number): number => state.id * 1024 + depth;

/** The shared machinery; `expansions` counts child generations (api.ts SearchStats). */
export class SearchContext {
  expansions = 0;
  readonly binding: Binding;
  private readonly moveCache = new Map<number, GuidedMove[]>();
  private readonly finishCache = new Map<State, Operator[]>();
  /** Dead ends by `nodeId(state, depth)` (numbers: building `key@depth` strings per move showed in profiles). */
  private readonly dead = new Set<number>();

  constructor(
    readonly spec: SearchSpec,
    readonly rules: readonly CanonicalRule[],
    readonly budget: CostBudget,
  ) {
    this.binding = spec.bindings[0]!;
    if (spec.maxDepth >= 1024) throw new Error(`internal error: maxDepth ${spec.maxDepth} exceeds the search's limit of 1023; please report this`);
  }

  /** Steps from a state reached in `depth` steps that the rules allow and after which it can still finish within the depth and FLOPs budget. */
  moves(state: State, depth: number): GuidedMove[] {
    this.expansions++;
    const key = nodeId(state, depth);
    let moves = this.moveCache.get(key);
    if (moves) return this.dead.size === 0 ? moves : moves.filter((m) => !this.dead.has(nodeId(m.child, depth + 1)));
    moves = [];
    if (depth < this.spec.maxDepth) {
      for (const op of legalMoves(state, this.spec)) {
        const child = this.tryMove(state, depth, op);
        if (child) moves.push({ op, child });
      }
    }
    this.moveCache.set(key, moves);
    return this.dead.size === 0 ? moves : moves.filter((m) => !this.dead.has(nodeId(m.child, depth + 1)));
  }

  /** Whether the guided move generator keeps `op` from `state` at `depth` (rules, shape distance, FLOPs bound); its child if so. */
  private tryMove(state: State, depth: number, op: Op): State | null {
    if (!allows(this.rules, state, op, this.spec)) return null;
    const child = applyOp(state, op);
    if (depth + 1 + shapeDistance(child, this.spec) > this.spec.maxDepth) return null;
    if (this.budget.maxFlops !== undefined && flopsLowerBound(child, this.binding) > this.budget.maxFlops) return null;
    return child;
  }

  /**
   * One move drawn uniformly from `moves(state, depth)` (live moves only), or null when there is
   * none — without building the whole list when it is not cached: the legal steps are visited in a
   * seeded random order (a partial Fisher–Yates shuffle) and the first one the generator keeps is
   * taken, which is a uniform draw among the kept ones. Rollouts mostly pass through states seen
   * once, where building every child only to take one was most of the search's time.
   */
  randomMove(state: State, depth: number, rng: Rng): GuidedMove | null {
    this.expansions++;
    const cached = this.moveCache.get(nodeId(state, depth));
    if (cached) {
      const live = this.dead.size === 0 ? cached : cached.filter((m) => !this.dead.has(nodeId(m.child, depth + 1)));
      return live.length > 0 ? live[rng.int(live.length)]! : null;
    }
    if (depth >= this.spec.maxDepth) return null;
    const ops = legalMoves(state, this.spec);
    for (let i = 0; i < ops.length; i++) {
      const j = i + rng.int(ops.length - i);
      const op = ops[j]!;
      ops[j] = ops[i]!;
      ops[i] = op;
      const child = this.tryMove(state, depth, op);
      if (child && !this.dead.has(nodeId(child, depth + 1))) return { op, child };
    }
    return null;
  }

  /** Record that no operator can be finished from `state` reached in `depth` steps (it has no completion and no live move). */
  markDead(state: State, depth: number): void {
    this.dead.add(nodeId(state, depth));
  }

  isDead(state: State, depth: number): boolean {
    return this.dead.has(nodeId(state, depth));
  }

  /** The state's completions within the FLOPs and parameter budget. */
  finishes(state: State): Operator[] {
    let ops = this.finishCache.get(state);
    if (ops) return ops;
    ops = isFinishable(state, this.spec) ? completions(state, this.spec).filter((o) => this.withinBudget(o)) : [];
    this.finishCache.set(state, ops);
    return ops;
  }

  withinBudget(op: Operator): boolean {
    const { maxFlops, maxParams } = this.budget;
    if (maxFlops !== undefined && operatorFlops(op, this.binding).flops > maxFlops) return false;
    if (maxParams !== undefined && operatorParams(op, this.binding) > maxParams) return false;
    return true;
  }
}

/**
 * A random rollout from `state` (reached by `steps`): draw a target length uniformly from depth to
 * maxDepth, take uniformly random guided moves, and finish with a uniformly random completion at the
 * first finishable state at or past the target (or earlier, when no move is left); each move is drawn
 * by `SearchContext.randomMove`, which builds only the children it tries. A state with neither a
 * completion nor a live move is a dead end: it is recorded (`SearchContext.markDead`, so no later move
 * leads there) and the rollout backs up one step and draws again, at most `maxBacktracks`
 * times. Null when it gives up — the shape distance and the dead-end record make that rare.
 */
export function rollout(
  ctx: SearchContext,
  rng: Rng,
  state: State,
  depth: number,
  steps: readonly Op[],
  maxBacktracks = 64,
): { operator: Operator | null; steps: Op[] } {
  const path = [...steps];
  const target = depth + rng.int(ctx.spec.maxDepth - depth + 1);
  const stack: State[] = [state];
  let backtracks = 0;
  while (stack.length > 0) {
    const s = stack[stack.length - 1]!;
    const d = depth + stack.length - 1;
    const fin = ctx.finishes(s);
    if (fin.length > 0 && d >= target) return { operator: fin[rng.int(fin.length)]!, steps: path };
    const m = ctx.randomMove(s, d, rng);
    if (m === null && fin.length > 0) return { operator: fin[rng.int(fin.length)]!, steps: path };
    if (m === null) {
      ctx.markDead(s, d);
      if (stack.length === 1 || backtracks++ >= maxBacktracks) break;
      stack.pop();
      path.pop();
      continue;
    }
    path.push(m.op);
    stack.push(m.child);
  }
  return { operator: null, steps: path.slice(0, steps.length + stack.length - 1) };
}
