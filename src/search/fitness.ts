/**
 * The fitness of a complete candidate operator (issue 7): its exact FLOPs and parameters under the
 * spec's first binding (cost.ts), its cost-model latency on the target GPU (latency.ts), and how well
 * it can imitate a teacher — the held-out R² of the candidate with its weights fitted by least squares
 * (one weight tensor) or alternating least squares (several) to the teacher's outputs on synthetic
 * Gaussian inputs (teacher.ts, lsq.ts), all at the fitness binding `config.binding` (small, so a fit
 * takes milliseconds). With `config.externalCommand` a user command scores the candidate instead
 * (external.ts).
 *
 * Without a fitness config the method is `none` and r2 is NaN — "not measured", never a number that
 * could be mistaken for a poor fit. NaN sorts neutrally under `b.r2 − a.r2 || …` (NaN is falsy) and
 * pareto.ts treats it as equal to another NaN, so a search without fitness ranks by cost alone.
 *
 * Errors (a candidate whose interface differs from the teacher's, a fit too large for the binding, a
 * failing external command) are thrown as Errors with a message for the user, never as crashes.
 */
import type { FitnessConfig, FitnessResult, LatencyTarget } from './api.js';
import { operatorFlops, operatorParams } from './cost.js';
import { indexTable } from './eval.js';
import { candidateDocument, runExternalEvaluator } from './external.js';
import type { Operator } from './ir.js';
import { operatorLatency } from './latency.js';
import { fitWeights, momentsR2, momentTotal, type FitOutcome } from './lsq.js';
import type { SearchSpec } from './spec.js';
import { teacherData } from './teacher.js';

/** ALS sweeps when the config gives none. */
export const DEFAULT_ALS_SWEEPS = 50;

export interface FitReport {
  readonly r2: number;
  /** R² on the training samples (≥ held-out unless the fit is exact). */
  readonly trainR2: number;
  readonly outcome: FitOutcome;
}

/** Fit `op` to the config's teacher and measure held-out R² (the built-in fitness, with details). */
export function fitToTeacher(op: Operator, config: FitnessConfig): FitReport {
  const data = teacherData(config);
  const t = indexTable(op, config.binding);
  const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((x, i) => x === b[i]);
  if (!same(t.inputShape, data.inputShape) || !same(t.outputShape, data.outputShape)) {
    throw new Error(
      `the candidate maps [${t.inputShape.join(', ')}] → [${t.outputShape.join(', ')}] but teacher \`${config.teacherName}\` maps [${data.inputShape.join(', ')}] → [${data.outputShape.join(', ')}] under the fitness binding`,
    );
  }
  const outcome = fitWeights(t, data.trainMoments, { seed: config.seed, maxSweeps: config.alsSweeps ?? DEFAULT_ALS_SWEEPS });
  // Held-out R² from the held-out samples' moments: the same number as rSquared(y, predict(…)) up to
  // rounding (about 1e−15 of Σy², test/search/fitness.test.ts), at Σ_o terms(o)² rather than N·terms.
  const r2 = momentsR2(t, outcome.weights, data.heldOutMoments);
  const trainR2 = 1 - outcome.history[outcome.history.length - 1]! / momentTotal(data.trainMoments);
  return { r2, trainR2, outcome };
}

/** Score one complete candidate (see the file comment). */
export function evaluateFitness(op: Operator, spec: SearchSpec, config: FitnessConfig | undefined, target: LatencyTarget | undefined): FitnessResult {
  const binding = spec.bindings[0];
  if (binding === undefined) throw new Error(`internal error: search spec \`${spec.name}\` has no binding; please report this`);
  const flops = operatorFlops(op, binding).flops;
  const params = operatorParams(op, binding);
  const latencySeconds = target ? operatorLatency(op, binding, target).seconds : null;
  if (config === undefined) return { r2: NaN, method: 'none', flops, params, latencySeconds };
  if (config.externalCommand !== undefined) {
    const r2 = runExternalEvaluator(config.externalCommand, candidateDocument(op, spec, config, flops, params));
    return { r2, method: 'external', flops, params, latencySeconds };
  }
  const fit = fitToTeacher(op, config);
  return { r2: fit.r2, method: fit.outcome.method, flops, params, latencySeconds };
}
