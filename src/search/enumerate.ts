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
 */
import { allows, normalize, type CanonicalRule } from './canonical.js';
import { semanticFingerprint } from './fingerprint.js';
import type { Operator, State } from './ir.js';
import { applyOp, completions, legalMoves, startState } from './primitives.js';
import type { SearchSpec } from './spec.js';

export interface DepthCounts {
  readonly depth: number;
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
    for (const [state, count] of layer) {
      for (const op of legalMoves(state, spec)) {
        if (!allows(options.rules, state, op, spec)) continue;
        const s = applyOp(state, op);
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
