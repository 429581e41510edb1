/**
 * Monte-Carlo tree search over the operator DAG (Syno, arXiv 2410.23745 §6), batched for parallel
 * evaluation:
 *
 *   selection   from the root, the child maximizing UCB on a RAVE-blended value,
 *                 value = (1 − β)·Q + β·Q_AMAF,  β = √(K / (3N + K))      (Gelly & Silver 2007)
 *                 UCB = value + c·√(ln N_parent / N_child)
 *               where N counts virtual losses too (each descent in a round adds one visit of reward
 *               0 to every node on its path until its reward arrives), so one round's descents fan out;
 *   widening    a node may hold at most ⌈C_pw · (N + 1)^α⌉ children (progressive widening), more only
 *               when every child it has is exhausted; its actions are
 *               the guided moves and the budget-checked completions (strategy.ts), in an order
 *               shuffled once by the seeded generator;
 *   expansion   the next untried action becomes a child; a completion is a leaf (the proposal
 *               itself), a move gets a random rollout (strategy.ts) from the new state; a new state
 *               the rollout finds to be a dead end (no completion, no live move) is pruned —
 *               marked exhausted, no proposal — and the round descends again;
 *   backprop    reward (as r^p, `rewardPower`) added along the path, each node also keeping the best
 *               it saw; Q = λ·best + (1 − λ)·mean (`maxBackup` λ; 0, the plain mean, for novelty
 *               rewards); every node on the path also records, for each step taken after it (in
 *               the tree or the rollout), the reward under that step's key (AMAF).
 *
 * Nodes are shared between paths that reach the same state in the same number of steps
 * (transpositions: the space is a DAG); a child's Q and N are its node's own, so a value learned
 * through one parent counts for every parent (only AMAF is per parent). A leaf is scored once; a
 * node whose actions are all tried and whose children are all exhausted is exhausted itself, so the
 * search ends when the pruned space has been visited. Ties break by insertion order, which the seeded
 * shuffle fixes.
 */
import type { Op, Operator, State } from './ir.js';
import { startState } from './primitives.js';
import { rollout, type Proposal, type SearchContext, type Strategy } from './strategy.js';
import type { Rng } from '../util/rng.js';

export interface MctsOptions {
  /** Exploration constant c of UCB. */
  readonly exploration: number;
  /** RAVE equivalence parameter K: β = √(K / (3N + K)). */
  readonly raveK: number;
  /** Progressive widening: at most ⌈C_pw · N^α⌉ children. */
  readonly widenC: number;
  readonly widenAlpha: number;
  /** Value backed up at a node: λ·(best reward below) + (1 − λ)·(mean reward); 0 is plain UCT. */
  readonly maxBackup: number;
  /** Rewards enter the tree as r^p (p < 1 spreads small rewards, such as low R²); 1 keeps them. */
  readonly rewardPower: number;
}

export const MCTS_DEFAULTS: MctsOptions = { exploration: 0.7, raveK: 50, widenC: 1.5, widenAlpha: 0.5, maxBackup: 0, rewardPower: 1 };

/**
 * For graded rewards (held-out R²): Q = ½·best + ½·mean of √R². Searching for the best operator, a
 * subtree is worth its best leaf more than its average (single-player MCTS, Schadd et al. 2008),
 * and √ spreads the low R² where most leaves are. On grouped conv1d (R² reward, seeds 1–5, 60 s)
 * it reached R² ≥ 0.999 on 4 seeds (6.6–30 s) against 3 (31–58 s) for the plain mean
 * (bench/RESULTS.md, "R²-guided MCTS").
 */
export const MCTS_FITNESS_DEFAULTS: MctsOptions = { ...MCTS_DEFAULTS, maxBackup: 0.5, rewardPower: 0.5 };

type Action = { readonly kind: 'move'; readonly op: Op; readonly child: State } | { readonly kind: 'finish'; readonly operator: Operator };

interface Node {
  readonly key: string;
  /** Null for a leaf (a finished operator). */
  readonly state: State | null;
  readonly operator: Operator | null;
  readonly depth: number;
  visits: number;
  total: number;
  /** Best (transformed) reward backed up through this node. */
  best: number;
  virtual: number;
  untried: Action[] | null;
  readonly children: Edge[];
  readonly amaf: Map<string, { n: number; w: number }>;
  /** Leaf: proposed (scored or waiting). Inner node: nothing left below it. */
  done: boolean;
}

interface Edge {
  readonly actionKey: string;
  readonly node: Node;
  /** The step, for a move (null for a completion). */
  readonly op: Op | null;
}

interface Descent {
  readonly path: Node[];
  /** Action keys taken, tree and rollout, in order (for AMAF). */
  readonly actions: string[];
}

const actionKey = (a: Action): string => (a.kind === 'move' ? a.op.key : `finish:${a.operator.key}`);

export class MctsSearch implements Strategy {
  readonly name = 'mcts' as const;
  readonly dedupe = true;
  private readonly nodes = new Map<string, Node>();
  private readonly root: Node;

  constructor(
    private readonly ctx: SearchContext,
    private readonly rng: Rng,
    private readonly options: MctsOptions = MCTS_DEFAULTS,
  ) {
    this.root = this.node(startState(ctx.spec), null, 0);
  }

  private node(state: State | null, operator: Operator | null, depth: number): Node {
    const key = state ? `${state.key}@${depth}` : `op:${operator!.key}`;
    let n = this.nodes.get(key);
    if (!n) {
      n = { key, state, operator, depth, visits: 0, total: 0, best: 0, virtual: 0, untried: null, children: [], amaf: new Map(), done: false };
      this.nodes.set(key, n);
    }
    return n;
  }

  private actionsOf(n: Node): Action[] {
    const state = n.state!;
    const actions: Action[] = [
      ...this.ctx.moves(state, n.depth).map((m): Action => ({ kind: 'move', op: m.op, child: m.child })),
      ...this.ctx.finishes(state).map((operator): Action => ({ kind: 'finish', operator })),
    ];
    return this.rng.shuffle(actions);
  }

  private score(parent: Node, child: Edge): number {
    const { exploration, raveK } = this.options;
    const n = child.node.visits + child.node.virtual;
    const amaf = parent.amaf.get(child.actionKey);
    const qAmaf = amaf && amaf.n > 0 ? amaf.w / amaf.n : 0.5;
    if (n === 0) return qAmaf + exploration * 2;
    const { maxBackup } = this.options;
    const q = maxBackup > 0 ? maxBackup * child.node.best + (1 - maxBackup) * (child.node.total / n) : child.node.total / n;
    const beta = Math.sqrt(raveK / (3 * n + raveK));
    const parentN = Math.max(1, parent.visits + parent.virtual);
    return (1 - beta) * q + beta * qAmaf + exploration * Math.sqrt(Math.log(parentN) / n);
  }

  /** One descent; null when it found only exhausted subtrees (and marked them so). */
  private descend(): Proposal | null {
    const path: Node[] = [this.root];
    const actions: string[] = [];
    const steps: Op[] = [];
    let node = this.root;
    for (;;) {
      if (node.untried === null) node.untried = this.actionsOf(node);
      const allowed = Math.ceil(this.options.widenC * Math.pow(node.visits + node.virtual + 1, this.options.widenAlpha));
      const open = node.children.some((c) => !c.node.done);
      if (node.untried.length > 0 && (node.children.length < allowed || !open)) {
        const a = node.untried.shift()!;
        const child = a.kind === 'move' ? this.node(a.child, null, node.depth + 1) : this.node(null, a.operator, node.depth);
        const key = actionKey(a);
        node.children.push({ actionKey: key, node: child, op: a.kind === 'move' ? a.op : null });
        if (child.done) continue;
        if (a.kind === 'move' && this.ctx.isDead(a.child, node.depth + 1)) {
          child.done = true;
          continue;
        }
        path.push(child);
        actions.push(key);
        if (a.kind === 'finish') return this.proposal(a.operator, steps, { path, actions });
        steps.push(a.op);
        if (child.untried !== null || child.visits + child.virtual > 0) {
          // A transposition: the state was reached before by another path; descend from it.
          node = child;
          continue;
        }
        const r = rollout(this.ctx, this.rng, a.child, node.depth + 1, steps);
        if (r.operator === null && this.ctx.isDead(a.child, node.depth + 1)) {
          // The new state is a dead end: prune it (no rollout took place) and descend again.
          child.done = true;
          return null;
        }
        for (const op of r.steps.slice(steps.length)) actions.push(op.key);
        if (r.operator) actions.push(`finish:${r.operator.key}`);
        return this.proposal(r.operator, r.steps, { path, actions });
      }
      let best: Edge | null = null;
      let bestScore = -Infinity;
      for (const c of node.children) {
        if (c.node.done) continue;
        const s = this.score(node, c);
        if (s > bestScore) {
          bestScore = s;
          best = c;
        }
      }
      if (!best) {
        if (node.untried.length === 0) node.done = true;
        return null;
      }
      path.push(best.node);
      actions.push(best.actionKey);
      if (best.node.operator) return this.proposal(best.node.operator, steps, { path, actions });
      steps.push(best.op!);
      node = best.node;
    }
  }

  private proposal(operator: Operator | null, steps: readonly Op[], descent: Descent): Proposal {
    const last = descent.path[descent.path.length - 1]!;
    if (last.operator) last.done = true;
    for (const n of descent.path) n.virtual++;
    return { operator, steps: [...steps], token: descent };
  }

  propose(n: number): Proposal[] {
    const out: Proposal[] = [];
    for (let tries = 0; out.length < n && tries < 4 * n && !this.root.done; tries++) {
      const p = this.descend();
      if (p) out.push(p);
    }
    return out;
  }

  update(proposals: readonly Proposal[], rewards: readonly number[]): void {
    proposals.forEach((p, i) => {
      const { path, actions } = p.token as Descent;
      const r = this.options.rewardPower === 1 ? rewards[i]! : Math.pow(rewards[i]!, this.options.rewardPower);
      path.forEach((node, j) => {
        node.virtual = Math.max(0, node.virtual - 1);
        node.visits++;
        node.total += r;
        if (r > node.best) node.best = r;
        for (const a of new Set(actions.slice(j))) {
          const s = node.amaf.get(a) ?? { n: 0, w: 0 };
          s.n++;
          s.w += r;
          node.amaf.set(a, s);
        }
      });
    });
  }

  exhausted(): boolean {
    return this.root.done;
  }
}
