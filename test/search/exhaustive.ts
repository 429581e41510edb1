/**
 * Exhaustive ground truth for the guided search's pruning tests: the DAG of (state, depth) nodes of a
 * spec without canonical rules, with, for each node, the exact number of steps to the nearest
 * finishable state and the cheapest operator (exact FLOPs) finishable within the spec's depth.
 */
import { operatorFlops } from '../../src/search/cost.js';
import type { State } from '../../src/search/ir.js';
import { applyOp, completions, legalMoves, startState } from '../../src/search/primitives.js';
import type { SearchSpec } from '../../src/search/spec.js';

export interface GroundTruth {
  readonly state: State;
  readonly depth: number;
  /** Fewest steps to a state with a completion (within the depth left); Infinity if none. */
  readonly distance: number;
  /** Least FLOPs (spec.bindings[0]) of any operator finished from here within the depth; Infinity if none. */
  readonly minFlops: number;
  readonly finishable: boolean;
}

export function groundTruth(spec: SearchSpec): GroundTruth[] {
  const memo = new Map<string, GroundTruth>();
  const binding = spec.bindings[0]!;
  const flopsOf = new Map<State, number>();
  const visit = (state: State, depth: number): GroundTruth => {
    const key = `${state.key}@${depth}`;
    const hit = memo.get(key);
    if (hit) return hit;
    const done = completions(state, spec);
    let own = flopsOf.get(state);
    if (own === undefined) {
      own = Math.min(Infinity, ...done.map((o) => operatorFlops(o, binding).flops));
      flopsOf.set(state, own);
    }
    let distance = done.length > 0 ? 0 : Infinity;
    let minFlops = own;
    if (depth < spec.maxDepth) {
      for (const m of legalMoves(state, spec)) {
        const child = visit(applyOp(state, m), depth + 1);
        distance = Math.min(distance, child.distance + 1);
        minFlops = Math.min(minFlops, child.minFlops);
      }
    }
    const g = { state, depth, distance, minFlops, finishable: done.length > 0 };
    memo.set(key, g);
    return g;
  };
  visit(startState(spec), 0);
  return [...memo.values()];
}
