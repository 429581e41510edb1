/**
 * The Pareto front of scored candidates: maximize R², minimize FLOPs and latency. A candidate is
 * dominated when another is at least as good on every objective and strictly better on one; the
 * front is every candidate nobody dominates (equal points all stay). Objectives that cannot be
 * compared drop out: a null latency (no target GPU) equals any latency, and an R² of NaN (no fitness
 * configured, method `none`) equals another NaN and is worse than any number. The front is sorted by
 * FLOPs, then fingerprint (api.ts), then operator key, so equal input gives equal output whatever the input order.
 */
import type { Candidate, FitnessResult } from './api.js';

export type Objectives = Pick<FitnessResult, 'r2' | 'flops' | 'latencySeconds'>;

/** > 0 when R² a is better than b, 0 when equal or both NaN. */
function compareR2(a: number, b: number): number {
  const an = Number.isNaN(a);
  const bn = Number.isNaN(b);
  if (an || bn) return an && bn ? 0 : an ? -1 : 1;
  return a === b ? 0 : a > b ? 1 : -1;
}

/** > 0 when cost a is better (smaller) than b; null is incomparable (0). */
function compareCost(a: number | null, b: number | null): number {
  if (a === null || b === null) return 0;
  return a === b ? 0 : a < b ? 1 : -1;
}

/** True when a is at least as good as b everywhere and strictly better somewhere. */
export function dominates(a: Objectives, b: Objectives): boolean {
  const cs = [compareR2(a.r2, b.r2), compareCost(a.flops, b.flops), compareCost(a.latencySeconds, b.latencySeconds)];
  return cs.every((c) => c >= 0) && cs.some((c) => c > 0);
}

/** Indices of the non-dominated points, in input order (O(n²); candidate lists are small). */
export function nonDominated(points: readonly Objectives[]): number[] {
  return points.flatMap((p, i) => (points.some((q, j) => j !== i && dominates(q, p)) ? [] : [i]));
}

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The Pareto front of candidates, sorted by FLOPs, then fingerprint. */
export function paretoFront(candidates: readonly Candidate[]): Candidate[] {
  return nonDominated(candidates.map((c) => c.fitness))
    .map((i) => candidates[i]!)
    .sort((a, b) => a.fitness.flops - b.fitness.flops || compareText(a.fingerprint, b.fingerprint) || compareText(a.operator.key, b.operator.key));
}
