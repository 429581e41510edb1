/**
 * A `search` block's IR (src/ir/search.ts) → what the guided search runs on: the `SearchSpec` (interned
 * sizes over the block's primary and coefficient variables, the primitives, the sizes they may
 * introduce, the limits, the fingerprint bindings) and the `SearchRequest` (strategy, seed, budgets made
 * absolute, the teacher operator and fit binding, the target's peak FP32 FLOP/s and bandwidth).
 *
 * The fit's binding joins the spec's bindings after the user's (so every size a candidate creates is a
 * whole number where the fitness evaluates it); `bindings[0]`, under which budgets, FLOPs, parameters
 * and latency are measured, stays the user's first binding. Options from the command line override the
 * block's strategy, seed, threads and evaluations.
 */
import type { SearchIR } from '../ir/search.js';
import type { FitnessConfig, SearchRequest, StrategyName } from './api.js';
import type { NamedSize, SearchSpec } from './spec.js';
import { coefficient, constant, div, mul, primary, type Binding, type Size } from './size.js';
import type { PrimitiveKind } from './ir.js';
import { latencyTargetOf } from './latency.js';
import { fullyConnected } from './teacher.js';
import { FULLY_CONNECTED, libraryOperators } from '../semantics/search-operators.js';
import type { Monomial } from '../semantics/search-sizes.js';

export interface SearchOverrides {
  readonly strategy?: StrategyName;
  readonly seed?: number;
  readonly threads?: number;
  readonly evaluations?: number;
}

export interface LoweredSearch {
  readonly spec: SearchSpec;
  /** Without `onProgress`: the caller adds its own. */
  readonly request: SearchRequest;
}

/** The interned size of a front-end monomial, over the search's declared variables. */
function sizeOf(m: Monomial, kinds: ReadonlyMap<string, 'primary' | 'coefficient'>): Size {
  let s = constant(m.num, m.den);
  for (const [v, e] of m.vars) {
    const kind = kinds.get(v);
    if (!kind) throw new Error(`internal error: size variable \`${v}\` is not declared by the search; please report this`);
    const x = kind === 'primary' ? primary(v) : coefficient(v);
    for (let i = 0; i < Math.abs(e); i++) s = e > 0 ? mul(s, x) : div(s, x);
  }
  return s;
}

/** Dimension names: a lone variable names its dimension (`C` → `c`); otherwise `d0`, `d1`, …; kept unique. */
function named(sizes: readonly Size[]): NamedSize[] {
  const used = new Set<string>();
  return sizes.map((size, i) => {
    const lone = size.factors.length === 1 && size.factors[0]![1] === 1 && size.numerator === 1 && size.denominator === 1 ? size.factors[0]![0].name.toLowerCase() : `d${i}`;
    const name = used.has(lone) ? `${lone}${i}` : lone;
    used.add(name);
    return { name, size };
  });
}

const sameBinding = (a: Binding, b: Binding) => Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] === v);

export function lowerSearch(ir: SearchIR, overrides: SearchOverrides = {}): LoweredSearch {
  const kinds = new Map(ir.variables.map((v) => [v.name, v.kind]));
  const size = (m: Monomial) => sizeOf(m, kinds);
  const fit = ir.fitness.binding;
  const spec: SearchSpec = {
    name: ir.name,
    inputs: named(ir.input.map(size)),
    outputs: named(ir.output.map(size)),
    bindings: ir.bindings.some((b) => sameBinding(b, fit)) ? ir.bindings : [...ir.bindings, fit],
    primitives: ir.primitives as readonly PrimitiveKind[],
    reduceSizes: ir.reduceSizes.map(size),
    blockSizes: ir.blockSizes.map(size),
    strideSizes: ir.strideSizes.map(size),
    maxDepth: ir.limits.depth,
    maxWeights: ir.limits.weights,
    maxReductions: ir.limits.reductions,
    fingerprintBindings: ir.fingerprintBindings,
  };
  const teacher = ir.fitness.operator === FULLY_CONNECTED ? fullyConnected(spec) : libraryOperators().get(ir.fitness.operator)!.operator;
  const fitness: FitnessConfig = {
    teacher,
    teacherName: ir.fitness.operator,
    binding: fit,
    samples: ir.fitness.samples,
    heldOut: ir.fitness.heldOut,
    seed: ir.fitness.seed,
    ...(ir.fitness.sweeps !== null ? { alsSweeps: ir.fitness.sweeps } : {}),
    ...(ir.fitness.command !== null ? { externalCommand: ir.fitness.command } : {}),
  };
  const request: SearchRequest = {
    strategy: overrides.strategy ?? ir.strategy.name,
    seed: overrides.seed ?? ir.seed,
    maxEvaluations: overrides.evaluations ?? ir.strategy.evaluations,
    ...(ir.strategy.timeSeconds !== null ? { timeSeconds: ir.strategy.timeSeconds } : {}),
    threads: overrides.threads ?? ir.strategy.threads,
    budget: { ...(ir.flops ? { maxFlops: ir.flops.limit } : {}), ...(ir.params ? { maxParams: ir.params.limit } : {}) },
    fitness,
    ...(ir.target ? { target: latencyTargetOf(ir.target) } : {}),
    keep: Math.max(ir.keep, ir.kernels),
  };
  return { spec, request };
}
