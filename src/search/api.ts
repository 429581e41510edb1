/**
 * The contract between the parts of `kasc search` (issue 7): the language front end lowers a
 * `search` block to a `SearchSpec` plus a `SearchRequest`; the guided search (run.ts) explores the
 * operator DAG and asks the fitness side (fitness.ts) to score complete operators; the report and the
 * WGSL emitter read the `SearchResult`. Types only: each side implements its half in its own file.
 */
import type { Op, Operator } from './ir.js';
import type { Binding } from './size.js';
import type { SearchSpec } from './spec.js';

/** How the operator DAG is explored. `canvas` is the random-sample-and-reject baseline (Canvas). */
export type StrategyName = 'mcts' | 'beam' | 'random' | 'canvas';

/** Budgets a candidate must meet under `spec.bindings[0]`; absolute numbers (the front end resolves `1.0 × dense`). */
export interface CostBudget {
  readonly maxFlops?: number;
  readonly maxParams?: number;
}

/** The declared target GPU for the latency model: peak FP32 FLOP/s and HBM bytes/s (from the hardware IR). */
export interface LatencyTarget {
  readonly name: string;
  readonly peakFlopsPerSecond: number;
  readonly bytesPerSecond: number;
}

/** Fitness = held-out R² of the candidate fitted to a teacher operator on synthetic data. */
export interface FitnessConfig {
  /** The teacher: an operator of the same interface (a library operator, e.g. `dense`). */
  readonly teacher: Operator;
  readonly teacherName: string;
  /** Small concrete sizes the fit runs at (every size of the spec must be a positive integer under it). */
  readonly binding: Binding;
  /** Training and held-out samples of synthetic input. */
  readonly samples: number;
  readonly heldOut: number;
  readonly seed: number;
  /** Alternating-least-squares sweeps when the candidate has more than one weight tensor. */
  readonly alsSweeps?: number;
  /** Instead of the built-in fit: a command that reads a candidate (JSON on stdin) and prints `{"r2": …}`. */
  readonly externalCommand?: string;
}

export interface FitnessResult {
  readonly r2: number;
  readonly method: 'lsq' | 'als' | 'external' | 'none';
  /** Exact FLOPs / params under `spec.bindings[0]`. */
  readonly flops: number;
  readonly params: number;
  /** Cost model's latency on the target GPU, seconds; null without a target. */
  readonly latencySeconds: number | null;
}

export interface SearchProgress {
  readonly evaluations: number;
  readonly maxEvaluations: number;
  readonly best: number | null;
}

export interface SearchRequest {
  readonly strategy: StrategyName;
  readonly seed: number;
  /** Stop after this many complete-operator evaluations (the budget the benchmarks compare). */
  readonly maxEvaluations: number;
  /** Wall-clock cap in seconds (results are then seed-stable only up to where time ran out). */
  readonly timeSeconds?: number;
  /** Worker threads; results for a seed must not depend on this. Default 1. */
  readonly threads?: number;
  readonly budget: CostBudget;
  readonly fitness?: FitnessConfig;
  readonly target?: LatencyTarget;
  /** Rediscovery: stop as soon as an operator with this semantic fingerprint is found. */
  readonly stopAtFingerprint?: string;
  /** How many candidates to keep in the result (best first). Default 10. */
  readonly keep?: number;
  readonly onProgress?: (p: SearchProgress) => void;
}

export interface Candidate {
  readonly operator: Operator;
  /** The construction sequence from the spec's start state (replayable with applyOps + completeWith). */
  readonly steps: readonly Op[];
  readonly fingerprint: string;
  readonly fitness: FitnessResult;
}

export interface SearchStats {
  /** States expanded (children generated). */
  readonly expansions: number;
  /** Complete operators scored. */
  readonly evaluations: number;
  readonly rollouts: number;
  /** Rollouts that ended in a complete operator within the budget. */
  readonly validRollouts: number;
  /** Evaluations until `stopAtFingerprint` was met; null if it never was. */
  readonly foundAfter: number | null;
  readonly seconds: number;
}

export interface SearchResult {
  readonly spec: SearchSpec;
  readonly strategy: StrategyName;
  readonly seed: number;
  /** Best first (by R², then FLOPs, then fingerprint), at most `keep`. */
  readonly candidates: readonly Candidate[];
  /** Non-dominated candidates: maximize R², minimize FLOPs and latency. Sorted by FLOPs, then fingerprint. */
  readonly pareto: readonly Candidate[];
  readonly stats: SearchStats;
}
