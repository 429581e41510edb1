/**
 * Loss-free load balancing (LFB, V3TR §2.1.2) simulated on seeded synthetic routing, against no
 * balancing and against an auxiliary-loss-style reweighting.
 *
 * Synthetic routing. Expert i has a popularity offset β_i(0) = skew · Z_i that drifts as a random
 * walk, β_i(t+1) = β_i(t) + drift · Z_it; a token scores it s_i = sigmoid(β_i + a_i + ε), ε ~ N(0,1)
 * independent per token and expert (a_i: the auxiliary-loss controller's logit offset, 0 otherwise).
 *
 * Top-k in the large-E limit (mean field). A token takes expert i when s_i + b_i clears a threshold
 * τ common to all experts, with τ set so that a token takes k experts on average:
 *     p_i(τ) = P(s_i + b_i > τ) = Φ(β_i + a_i − logit(τ − b_i)),   Σ_i p_i(τ) = k.
 * It ignores the group stage of the gate and the exact-k constraint per token; test/unit/balance.test.ts
 * checks it against token-by-token top-k. A batch of T tokens then loads expert i with
 *     c_i = T·p_i + √(T·p_i·(1 − p_i)) · Z   (the binomial count, normal approximation),
 * so batches of any size cost O(E) per step.
 *
 * Controllers, applied after every batch (mean c̄ = mean of c):
 *   none   b = 0, a = 0
 *   bias   b_i += u · sign(c̄ − c_i)                   LFB Algorithm 1: selection only, gates untouched
 *   aux    a_i −= α · (c_i / c̄ − 1)                   the gradient direction of α·Σ f_i·P_i on expert i's
 *                                                     logit (f_i = c_i / c̄): moves gates as well
 * MaxVio_batch = max_i c_i / c̄ − 1 (LFB §4.1).
 */
import { memoizeSimulation, Rng } from '../util/rng.js';
import { normalCdf, normalPdf, normalQuantile } from '../util/normal.js';

export interface BalanceSimSpec {
  readonly experts: number;
  readonly topK: number;
  readonly tokens: number;
  readonly steps: number;
  readonly skew: number;
  readonly drift: number;
  readonly seed: number;
}

export type Controller = { readonly kind: 'none' } | { readonly kind: 'bias'; readonly rate: number } | { readonly kind: 'aux'; readonly alpha: number };

export interface BalanceTrace {
  readonly controller: Controller;
  /** MaxVio of every batch, in step order. */
  readonly maxVio: Float64Array;
  /** Mean MaxVio over the last quarter of the steps. */
  readonly steadyMaxVio: number;
  /** First step whose batch is within `tolerance`, or null. */
  readonly firstWithin: (tolerance: number) => number | null;
  /** Mean |logit shift| the controller put into the gate values at the end (0 for bias and none). */
  readonly gateShift: number;
}

const logit = (x: number) => Math.log(x / (1 - x));
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** p_i = P(sigmoid(β_i + a_i + ε) + b_i > τ) = Φ(β_i + a_i − logit(τ − b_i)), clamped at the ends of (0, 1). */
export function selectionProbability(beta: number, offset: number, bias: number, tau: number): number {
  const x = tau - bias;
  if (x <= 0) return 1;
  if (x >= 1) return 0;
  return normalCdf(beta + offset - logit(x));
}

/**
 * Solves Σ_i p_i(τ) = k for the threshold τ (safeguarded Newton on a bracket: at τ = min b every p is
 * 1, at τ = max b + 1 every p is 0) and writes p into `out`.
 */
export function solveThreshold(beta: Float64Array, offset: Float64Array, bias: Float64Array, k: number, out: Float64Array, start?: number): number {
  const E = beta.length;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < E; i++) {
    lo = Math.min(lo, bias[i]!);
    hi = Math.max(hi, bias[i]! + 1);
  }
  let tau = start !== undefined && start > lo && start < hi ? start : (lo + hi) / 2;
  let evaluated = tau;
  for (let iter = 0; iter < 100; iter++) {
    evaluated = tau;
    let f = -k;
    let df = 0;
    for (let i = 0; i < E; i++) {
      const x = tau - bias[i]!;
      if (x <= 0 || x >= 1) {
        out[i] = x <= 0 ? 1 : 0;
        f += out[i]!;
        continue;
      }
      const z = beta[i]! + offset[i]! - Math.log(x / (1 - x));
      const pi = normalCdf(z);
      out[i] = pi;
      f += pi;
      df -= normalPdf(z) / (x * (1 - x));
    }
    // `out` holds p at this τ; stop when the expected count is k to 1e-7 of a token.
    if (Math.abs(f) < 1e-7 * k || hi - lo < 1e-15) break;
    if (f > 0) lo = tau;
    else hi = tau;
    const newton = df < 0 ? tau - f / df : NaN;
    tau = newton > lo && newton < hi ? newton : (lo + hi) / 2;
  }
  return evaluated;
}

/** MaxVio = max_i c_i / mean(c) − 1 (LFB §4.1). */
export function maxVio(loads: ArrayLike<number>): number {
  let sum = 0;
  let max = 0;
  for (let i = 0; i < loads.length; i++) {
    sum += loads[i]!;
    max = Math.max(max, loads[i]!);
  }
  return sum === 0 ? 0 : max / (sum / loads.length) - 1;
}

/**
 * Runs one controller for `steps` batches. The popularity path and the batch noise come from streams
 * derived from the seed alone, so every controller sees the same routing (common random numbers).
 */
export const simulateBalance: (spec: BalanceSimSpec, controller: Controller) => BalanceTrace = memoizeSimulation(runBalance);

/** The uncached simulation (simulateBalance memoizes it). */
export function runBalance(spec: BalanceSimSpec, controller: Controller): BalanceTrace {
  const { experts: E, topK: k, tokens: T, steps } = spec;
  const root = new Rng(spec.seed);
  const popularity = root.derive(1);
  const driftRng = root.derive(2);
  const noise = root.derive(3);
  const beta = Float64Array.from({ length: E }, () => spec.skew * popularity.normal());
  const offset = new Float64Array(E);
  const bias = new Float64Array(E);
  const p = new Float64Array(E);
  const c = new Float64Array(E);
  const trace = new Float64Array(steps);
  let tau: number | undefined;
  for (let t = 0; t < steps; t++) {
    tau = solveThreshold(beta, offset, bias, k, p, tau);
    let sum = 0;
    for (let i = 0; i < E; i++) {
      c[i] = Math.max(0, T * p[i]! + Math.sqrt(T * p[i]! * (1 - p[i]!)) * noise.normal());
      sum += c[i]!;
    }
    const mean = sum / E;
    trace[t] = maxVio(c);
    if (controller.kind === 'bias') {
      for (let i = 0; i < E; i++) bias[i]! += controller.rate * Math.sign(mean - c[i]!);
    } else if (controller.kind === 'aux' && mean > 0) {
      for (let i = 0; i < E; i++) offset[i]! -= controller.alpha * (c[i]! / mean - 1);
    }
    for (let i = 0; i < E; i++) beta[i]! += spec.drift * driftRng.normal();
  }
  const tail = trace.subarray(Math.floor((steps * 3) / 4));
  const steady = tail.reduce((a, b) => a + b, 0) / Math.max(1, tail.length);
  let shift = 0;
  for (let i = 0; i < E; i++) shift += Math.abs(offset[i]!);
  return {
    controller,
    maxVio: trace,
    steadyMaxVio: steady,
    firstWithin: (tol) => {
      const i = trace.findIndex((v) => v <= tol);
      return i < 0 ? null : i;
    },
    gateShift: shift / E,
  };
}

/** The (1 − k/E) quantile of a standard normal: where the top-k threshold sits in ε for an average expert. */
export function selectionQuantile(experts: number, topK: number): number {
  return normalQuantile(1 - topK / experts);
}

/**
 * Steps the bias controller needs to balance from b = 0. At balance every expert is taken with chance
 * k/E, so b_i = τ − q_i with q_i = sigmoid(β_i + Φ⁻¹(1 − k/E)); moving every b_i by u per step toward
 * its target takes about (max q − min q) / (2u) steps (the common level τ settles mid-way).
 */
export function biasStepsToBalance(beta: ArrayLike<number>, experts: number, topK: number, rate: number): number {
  const z = selectionQuantile(experts, topK);
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < beta.length; i++) {
    const q = sigmoid(beta[i]! + z);
    lo = Math.min(lo, q);
    hi = Math.max(hi, q);
  }
  return (hi - lo) / (2 * rate);
}

/**
 * How far one bias step swings an expert's load, relative to the mean, at balance: the sign
 * controller never settles, each b_i chatters by ±u around its target, and
 *     Δp_i / (k/E) = u · ∂p_i/∂b_i / (k/E),  ∂p_i/∂b_i = φ(z*) / (q_i (1 − q_i)),  z* = Φ⁻¹(1 − k/E).
 * The largest over the experts is the swing; it is what the steady-state MaxVio cannot go below.
 */
export function biasSwing(beta: ArrayLike<number>, experts: number, topK: number, rate: number): number {
  const z = selectionQuantile(experts, topK);
  let worst = 0;
  for (let i = 0; i < beta.length; i++) {
    const q = sigmoid(beta[i]! + z);
    worst = Math.max(worst, normalPdf(z) / (q * (1 - q)));
  }
  return (rate * worst) / (topK / experts);
}

/** The initial popularity offsets of a spec (the same draw simulateBalance starts from). */
export function initialPopularity(spec: BalanceSimSpec): Float64Array {
  const popularity = new Rng(spec.seed).derive(1);
  return Float64Array.from({ length: spec.experts }, () => spec.skew * popularity.normal());
}
