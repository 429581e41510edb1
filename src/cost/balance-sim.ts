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
import { INV_SQRT_2PI, normalCdf, normalPdf, normalQuantile, normalTailFromExp } from '../util/normal.js';

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

/** Scratch for solveThreshold's p_i′ and p_i″, grown as needed (the solver runs once per controller and batch). */
let slopeScratch = new Float64Array(0);
let bendScratch = new Float64Array(0);

/**
 * Solves Σ_i p_i(τ) = k for the threshold τ (safeguarded Newton on a bracket: at τ = min b every p is
 * 1, at τ = max b + 1 every p is 0) and writes p into `out`; returns the τ that p belongs to.
 *
 * Stops when |Σp − k| < 1e−7·k. One evaluation gives, per expert, p_i and its first three derivatives
 * in τ. When the step s to the root is small enough, it is applied to p by Taylor's formula instead of
 * another evaluation: linearly (p_i += p_i′·s, s the Newton step) when the second-order remainder
 * ½·Σ|p_i″|·s² is below the tolerance, else to second order (p_i += p_i′·s + ½·p_i″·s², s the root
 * of the quadratic model) when the third-order remainder ⅙·Σ|p_i‴|·|s|³ plus the model's residual is.
 * Either way Σp = k to the tolerance, as after another evaluation. Warm-started from the previous
 * batch's τ (`start`), most batches take one evaluation instead of 3–4.
 */
export function solveThreshold(beta: Float64Array, offset: Float64Array, bias: Float64Array, k: number, out: Float64Array, start?: number): number {
  const E = beta.length;
  if (slopeScratch.length < E) {
    slopeScratch = new Float64Array(E);
    bendScratch = new Float64Array(E);
  }
  const slope = slopeScratch;
  const bend = bendScratch;
  let minBias = Infinity;
  let maxBias = -Infinity;
  for (let i = 0; i < E; i++) {
    minBias = Math.min(minBias, bias[i]!);
    maxBias = Math.max(maxBias, bias[i]!);
  }
  let lo = minBias;
  let hi = maxBias + 1;
  // Without bias (or with one bias for all) every expert has the same x = τ − b: one logit per evaluation.
  const sameBias = minBias === maxBias;
  const tol = 1e-7 * k;
  let tau = start !== undefined && start > lo && start < hi ? start : (lo + hi) / 2;
  let evaluated = tau;
  for (let iter = 0; iter < 100; iter++) {
    evaluated = tau;
    let f = -k;
    let df = 0;
    let d2f = 0;
    let abs2 = 0;
    let abs3 = 0;
    const logitSame = sameBias && tau - minBias > 0 && tau - minBias < 1 ? Math.log((tau - minBias) / (1 - tau + minBias)) : 0;
    for (let i = 0; i < E; i++) {
      const x = tau - bias[i]!;
      if (x <= 0 || x >= 1) {
        const pi = x <= 0 ? 1 : 0;
        out[i] = pi;
        slope[i] = 0;
        bend[i] = 0;
        f += pi;
        continue;
      }
      // z = β + a − logit(x), w = x(1−x), h = 1 − 2x − z:
      // p = Φ(z), p′ = −φ/w, p″ = φ·h/w², p‴ = φ·(z·h + 1 − 2w − 2h(1 − 2x))/w³.
      const w = x * (1 - x);
      const z = beta[i]! + offset[i]! - (sameBias ? logitSame : Math.log(x / (1 - x)));
      const a = Math.abs(z);
      const e = Math.exp(-0.5 * a * a);
      const tail = normalTailFromExp(a, e);
      const pi = z > 0 ? 1 - tail : tail;
      const phi = e * INV_SQRT_2PI;
      const h = 1 - 2 * x - z;
      const d1 = -phi / w;
      const d2 = (phi * h) / (w * w);
      out[i] = pi;
      slope[i] = d1;
      bend[i] = d2;
      f += pi;
      df += d1;
      d2f += d2;
      abs2 += Math.abs(d2);
      abs3 += Math.abs((phi * (z * h + 1 - 2 * w - 2 * h * (1 - 2 * x))) / (w * w * w));
    }
    // `out` holds p at this τ; stop when the expected count is k to 1e-7 of a token.
    if (Math.abs(f) < tol || hi - lo < 1e-15) break;
    if (f > 0) lo = tau;
    else hi = tau;
    const newton = df < 0 ? -f / df : NaN;
    if (tau + newton > lo && tau + newton < hi) {
      if (0.5 * abs2 * newton * newton < tol) {
        for (let i = 0; i < E; i++) out[i] = Math.min(1, Math.max(0, out[i]! + slope[i]! * newton));
        return tau + newton;
      }
      // The quadratic model's root near the Newton step (one fixed-point pass of s = −f / (f′ + ½f″s)).
      const s = -f / (df + 0.5 * d2f * newton);
      const residual = Math.abs(f + s * (df + 0.5 * d2f * s));
      if (tau + s > lo && tau + s < hi && residual + (abs3 * Math.abs(s * s * s)) / 6 < tol) {
        for (let i = 0; i < E; i++) out[i] = Math.min(1, Math.max(0, out[i]! + s * (slope[i]! + 0.5 * bend[i]! * s)));
        return tau + s;
      }
      tau += newton;
    } else tau = (lo + hi) / 2;
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

// The per-batch loops over the experts live in small functions of their own: the simulation runs once
// per process, and V8 optimizes a small function within a few calls, where a long loop inline in the
// driver would wait for on-stack replacement of the whole driver.

/** c_i = max(0, T·p_i + √(T·p_i·(1 − p_i))·z_i): a batch's binomial loads, normal approximation; returns Σc. */
function batchLoads(p: Float64Array, z: Float64Array, T: number, c: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < p.length; i++) {
    const pi = p[i]!;
    const ci = Math.max(0, T * pi + Math.sqrt(T * pi * (1 - pi)) * z[i]!);
    c[i] = ci;
    sum += ci;
  }
  return sum;
}

/** LFB's update: b_i += u · sign(c̄ − c_i). */
function biasStep(bias: Float64Array, c: Float64Array, mean: number, rate: number): void {
  for (let i = 0; i < bias.length; i++) bias[i]! += rate * Math.sign(mean - c[i]!);
}

/** The auxiliary-loss-style update: a_i −= α · (c_i / c̄ − 1). */
function auxStep(offset: Float64Array, c: Float64Array, mean: number, alpha: number): void {
  for (let i = 0; i < offset.length; i++) offset[i]! -= alpha * (c[i]! / mean - 1);
}

/** x += s·y. */
function addScaled(x: Float64Array, y: Float64Array, s: number): void {
  for (let i = 0; i < x.length; i++) x[i]! += s * y[i]!;
}

/**
 * Runs one controller for `steps` batches. The popularity path and the batch noise come from streams
 * derived from the seed alone, so every controller sees the same routing (common random numbers).
 */
export const simulateBalance: (spec: BalanceSimSpec, controller: Controller) => BalanceTrace = memoizeSimulation(runBalance);

/** Several controllers on the same routing, memoized: what the balance pass calls. */
export const simulateBalanceAll: (spec: BalanceSimSpec, controllers: readonly Controller[]) => BalanceTrace[] = memoizeSimulation(runBalanceAll);

/** The uncached simulation of one controller (simulateBalance memoizes it). */
export function runBalance(spec: BalanceSimSpec, controller: Controller): BalanceTrace {
  return runBalanceAll(spec, [controller])[0]!;
}

/**
 * The uncached simulation of several controllers in lockstep: each step draws the batch noise and the
 * popularity drift once for all of them. Every controller consumes the same draws in the same order
 * as when run alone, so its trace is the same bytes as runBalance's.
 */
export function runBalanceAll(spec: BalanceSimSpec, controllers: readonly Controller[]): BalanceTrace[] {
  const { experts: E, topK: k, tokens: T, steps } = spec;
  const root = new Rng(spec.seed);
  const driftRng = root.derive(2);
  const noise = root.derive(3);
  const beta = initialPopularity(spec);
  const p = new Float64Array(E);
  const c = new Float64Array(E);
  const z = new Float64Array(E);
  const runs = controllers.map((controller) => ({ controller, offset: new Float64Array(E), bias: new Float64Array(E), tau: undefined as number | undefined, trace: new Float64Array(steps) }));
  for (let t = 0; t < steps; t++) {
    noise.fillGaussian(z);
    for (const run of runs) {
      const { controller, offset, bias } = run;
      run.tau = solveThreshold(beta, offset, bias, k, p, run.tau);
      const mean = batchLoads(p, z, T, c) / E;
      run.trace[t] = maxVio(c);
      if (controller.kind === 'bias') biasStep(bias, c, mean, controller.rate);
      else if (controller.kind === 'aux' && mean > 0) auxStep(offset, c, mean, controller.alpha);
    }
    driftRng.fillGaussian(z);
    addScaled(beta, z, spec.drift);
  }
  return runs.map(({ controller, offset, trace }): BalanceTrace => {
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
  });
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

/** The initial popularity offsets of a spec, β_i(0) = skew · Z_i (the draw the simulation starts from). */
export function initialPopularity(spec: BalanceSimSpec): Float64Array {
  const beta = new Float64Array(spec.experts);
  new Rng(spec.seed).derive(1).fillGaussian(beta);
  for (let i = 0; i < beta.length; i++) beta[i] = spec.skew * beta[i]!;
  return beta;
}
