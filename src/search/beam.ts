/**
 * Beam search over the pruned DAG: keep the `width` best states of each depth. A level proposes, for
 * every state in the beam, each of its completions (scored directly) and, for each distinct child
 * state of its guided moves, one random rollout (strategy.ts) that scores the child. The next beam is
 * the `width` children with the best rollout reward (ties: the order they were generated in, which the
 * seeded shuffle of each level fixes). When a level is empty or the depth limit is reached the beam
 * restarts from the start state; the rollouts then differ, so restarts explore other beams.
 */
import type { Op, State } from './ir.js';
import { startState } from './primitives.js';
import { rollout, type Proposal, type SearchContext, type Strategy } from './strategy.js';
import type { Rng } from '../util/rng.js';

interface Entry {
  readonly state: State;
  readonly depth: number;
  readonly steps: readonly Op[];
}

interface Slot {
  readonly child: Entry | null;
  score: number;
}

export class BeamSearch implements Strategy {
  readonly name = 'beam' as const;
  readonly dedupe = true;
  private beam: Entry[];
  private queue: { proposal: Proposal; slot: Slot }[] = [];
  private slots: Slot[] = [];
  private outstanding = 0;
  /** The start state has neither a move nor a completion. */
  private readonly empty: boolean;

  constructor(
    private readonly ctx: SearchContext,
    private readonly rng: Rng,
    private readonly width = 8,
  ) {
    this.beam = [this.rootEntry()];
    this.fillLevel();
    this.empty = this.queue.length === 0;
  }

  private rootEntry(): Entry {
    return { state: startState(this.ctx.spec), depth: 0, steps: [] };
  }

  private fillLevel(): void {
    const seen = new Set<State>();
    this.slots = [];
    const work: { proposal: Proposal; slot: Slot }[] = [];
    for (const e of this.beam) {
      const done: Slot = { child: null, score: 0 };
      for (const operator of this.ctx.finishes(e.state)) work.push({ proposal: { operator, steps: e.steps, token: null }, slot: done });
      for (const m of this.ctx.moves(e.state, e.depth)) {
        if (seen.has(m.child)) continue;
        seen.add(m.child);
        const child: Entry = { state: m.child, depth: e.depth + 1, steps: [...e.steps, m.op] };
        const slot: Slot = { child, score: 0 };
        this.slots.push(slot);
        work.push({ proposal: { ...rollout(this.ctx, this.rng, child.state, child.depth, child.steps), token: null }, slot });
      }
    }
    this.queue = this.rng.shuffle(work);
  }

  private advance(): void {
    const ranked = this.slots.map((s, i) => ({ s, i })).sort((a, b) => b.s.score - a.s.score || a.i - b.i);
    const next = ranked.slice(0, this.width).map((x) => x.s.child!);
    this.beam = next.length > 0 && next[0]!.depth < this.ctx.spec.maxDepth ? next : [this.rootEntry()];
    this.fillLevel();
  }

  propose(n: number): Proposal[] {
    if (this.queue.length === 0 && this.outstanding === 0) this.advance();
    const batch = this.queue.splice(0, n);
    this.outstanding += batch.length;
    return batch.map((w) => ({ ...w.proposal, token: w.slot }));
  }

  update(proposals: readonly Proposal[], rewards: readonly number[]): void {
    proposals.forEach((p, i) => {
      const slot = p.token as Slot;
      slot.score = Math.max(slot.score, rewards[i]!);
    });
    this.outstanding -= proposals.length;
  }

  exhausted(): boolean {
    return this.empty;
  }
}
