/**
 * Exhaustive enumeration of a spec's operators up to its depth limit, breadth first over the
 * hash-consed state DAG, with the counts that measure canonicalization:
 *
 *   sequences  construction sequences (and completions) of at most d steps — what a tree search that
 *              neither hash-conses nor canonicalizes would visit
 *   operators  distinct finished operators (after the normalize rules in force)
 *   semantic   distinct semantic fingerprints among them (fingerprint.ts)
 *
 * All counts are cumulative: "depth d" means "at most d steps". A layer maps each state to the
 * number of sequences reaching it in exactly t steps, so states reached at several depths are
 * expanded once per depth and the sequence count is exact.
 *
 * `sampleOperators` draws distinct random complete operators by seeded random walks (for tests and
 * benchmarks that need operators beyond the exhaustive depth).
 */
import { allows, normalize, type CanonicalRule } from './canonical.js';
import { semanticFingerprint } from './fingerprint.js';
import type { Op, Operator, State } from './ir.js';
import { applyOp, completions, legalMoves, startState, stepsToComplete } from './primitives.js';
import type { SearchSpec } from './spec.js';
import type { Rng } from '../util/rng.js';

export interface DepthCounts {
  readonly depth: number;
  /** States reached so far (with `pruneHopeless`, only those that can still complete within the depth limit). */
  readonly states: number;
  readonly sequences: number;
  readonly operators: number;
  /** Null when fingerprints were not requested. */
  readonly semantic: number | null;
}

export interface FoundOperator {
  readonly operator: Operator;
  /** Fewest steps that build it. */
  readonly depth: number;
  readonly fingerprint: string | null;
}

export interface Enumeration {
  readonly spec: SearchSpec;
  readonly rules: readonly string[];
  readonly perDepth: readonly DepthCounts[];
  /** Keyed by operator key, in discovery order. */
  readonly operators: ReadonlyMap<string, FoundOperator>;
}

export interface EnumerateOptions {
  readonly rules: readonly CanonicalRule[];
  readonly fingerprints: boolean;
  /** Stop early at this depth (≤ spec.maxDepth). */
  readonly maxDepth?: number;
  /**
   * Drop states that cannot reach a completion within the depth limit (`stepsToComplete`). Never
   * changes sequences, operators or semantic counts — only `states` and the time. Default true.
   */
  readonly pruneHopeless?: boolean;
}

const fingerprintCache = new Map<string, string>();

/** Fingerprint on the spec's fingerprint bindings, memoized by operator key and bindings. */
export function fingerprintOf(op: Operator, spec: SearchSpec): string {
  const key = `${JSON.stringify(spec.fingerprintBindings)}\n${op.key}`;
  let fp = fingerprintCache.get(key);
  if (fp === undefined) {
    fp = semanticFingerprint(op, spec.fingerprintBindings);
    fingerprintCache.set(key, fp);
  }
  return fp;
}

export function enumerateOperators(spec: SearchSpec, options: EnumerateOptions): Enumeration {
  const maxDepth = Math.min(options.maxDepth ?? spec.maxDepth, spec.maxDepth);
  const found = new Map<string, FoundOperator>();
  const fingerprints = new Set<string>();
  const seenStates = new Set<State>();
  const finished = new Map<State, Operator[]>();
  const perDepth: DepthCounts[] = [];
  let sequences = 0;
  let layer = new Map<State, number>([[startState(spec), 1]]);
  for (let depth = 0; depth <= maxDepth; depth++) {
    for (const [state, count] of layer) {
      seenStates.add(state);
      let ops = finished.get(state);
      if (!ops) {
        ops = completions(state, spec).map((o) => normalize(options.rules, o));
        finished.set(state, ops);
      }
      sequences += count * ops.length;
      for (const op of ops) {
        if (found.has(op.key)) continue;
        const fp = options.fingerprints ? fingerprintOf(op, spec) : null;
        if (fp !== null) fingerprints.add(fp);
        found.set(op.key, { operator: op, depth, fingerprint: fp });
      }
    }
    perDepth.push({ depth, states: seenStates.size, sequences, operators: found.size, semantic: options.fingerprints ? fingerprints.size : null });
    if (depth === maxDepth) break;
    const next = new Map<State, number>();
    const prune = options.pruneHopeless ?? true;
    const hopeless = new Set<State>();
    for (const [state, count] of layer) {
      for (const op of legalMoves(state, spec)) {
        if (!allows(options.rules, state, op, spec)) continue;
        const s = applyOp(state, op);
        if (prune && (hopeless.has(s) || depth + 1 + stepsToComplete(s, spec) > maxDepth)) {
          hopeless.add(s);
          continue;
        }
        next.set(s, (next.get(s) ?? 0) + count);
      }
    }
    layer = next;
  }
  return { spec, rules: options.rules.map((r) => r.name), perDepth, operators: found };
}

/** Fingerprints reached by an enumeration (it must have been run with fingerprints). */
export function fingerprintSet(e: Enumeration): Set<string> {
  const s = new Set<string>();
  for (const f of e.operators.values()) {
    if (f.fingerprint === null) throw new Error('internal error: enumeration ran without fingerprints');
    s.add(f.fingerprint);
  }
  return s;
}

export interface SampleOptions {
  readonly rules: readonly CanonicalRule[];
  /** Longest walk (default spec.maxDepth); each walk's length is uniform in 1…maxSteps. */
  readonly maxSteps?: number;
  /** Give up after this many walks (default 2000 × count). */
  readonly maxWalks?: number;
}

export interface SampledOperator {
  readonly operator: Operator;
  /** The walk's steps (replayable from the spec's start state). */
  readonly steps: readonly Op[];
}

/**
 * Up to `count` distinct complete operators (distinct by key after the normalize rules), each from a
 * seeded random walk: a length uniform in 1…maxSteps, a uniformly chosen allowed move per step; the
 * walk ends in the last state along it that has a completion, and one of that state's completions
 * is chosen uniformly (walks that pass no such state are drawn again). Deterministic for a given
 * `rng` state. Returns fewer only when `maxWalks` runs out.
 */
export function sampleOperators(spec: SearchSpec, count: number, rng: Rng, options: SampleOptions): SampledOperator[] {
  const maxSteps = options.maxSteps ?? spec.maxDepth;
  const maxWalks = options.maxWalks ?? 2000 * count;
  const found = new Map<string, SampledOperator>();
  const finished = new Map<State, Operator[]>();
  const completionsOf = (state: State): Operator[] => {
    let ops = finished.get(state);
    if (!ops) {
      ops = completions(state, spec);
      finished.set(state, ops);
    }
    return ops;
  };
  const allowed = new Map<State, Op[]>();
  const movesOf = (state: State): Op[] => {
    let moves = allowed.get(state);
    if (!moves) {
      moves = legalMoves(state, spec).filter((m) => allows(options.rules, state, m, spec));
      allowed.set(state, moves);
    }
    return moves;
  };
  for (let walk = 0; walk < maxWalks && found.size < count; walk++) {
    const length = 1 + rng.int(maxSteps);
    let state = startState(spec);
    const steps: Op[] = [];
    let end: { ops: Operator[]; steps: number } | null = null;
    for (let t = 0; t < length; t++) {
      const moves = movesOf(state);
      if (moves.length === 0) break;
      const m = moves[rng.int(moves.length)]!;
      steps.push(m);
      state = applyOp(state, m);
      const ops = completionsOf(state);
      if (ops.length > 0) end = { ops, steps: steps.length };
    }
    if (end === null) continue;
    const op = normalize(options.rules, end.ops[rng.int(end.ops.length)]!);
    if (!found.has(op.key)) found.set(op.key, { operator: op, steps: steps.slice(0, end.steps) });
  }
  return [...found.values()];
}
