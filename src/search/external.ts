/**
 * The external evaluator: instead of the built-in least-squares fit, a user command scores each
 * candidate (for users who train on real data). The command runs through the shell with the
 * candidate as one JSON document on stdin, and must print `{"r2": <number>}` on stdout — the whole
 * of stdout, or its last non-empty line (so a training script may log before it). A non-zero exit,
 * a timeout, or output without a finite `r2` is an `ExternalEvaluatorError` naming the command and
 * quoting the tail of its stderr, never a crash.
 *
 * The document (`format: "kasc-search-candidate"`, `version: 1`):
 *
 *   spec        the search spec's name
 *   interface   inputs / outputs: [{ name, size }] with symbolic sizes (e.g. "C_in")
 *   operator    text        the whole operator, e.g. "y[c] = Σ{r0 < C_in} x[r0] · w0[r0, c]"
 *               outputs     output iterator names (the interface's output names)
 *               reductions  [{ name: "r0", size: "C_in" }, …]
 *               input       one index expression per input dimension (showDim syntax:
 *                           a/B = ⌊a/B⌋, a%B, (a*|b|+b), shift(a), s*a, unfold(main, window))
 *               weights     per weight tensor, its index expressions in row-major order
 *               trees       the same expressions as trees, for programs: { input: [Tree], weights: [[Tree]] }
 *                           Tree = { iter: name } | { div: Tree, by: size } | { mod: Tree, by: size }
 *                                | { split: [hi, lo], width: size } (hi·width + lo)
 *                                | { shift: Tree, size } ((t + 1) mod size) | { stride: Tree, by: size }
 *                                | { unfold: [main, window], size, window: size }
 *                                  (main + window − ⌊(window − 1)/2⌋, zero outside [0, size))
 *               key         the canonical structural key
 *   sizes are symbolic monomials as text ("C_out*g^-1" = C_out/g); evaluate them under `binding`
 *   binding     the fitness binding; shapes { input, output, weights } are under it
 *   costBinding spec.bindings[0]; flops and params are under it (cost.ts)
 *   teacher, samples, heldOut, seed   the fitness configuration, for reproducible training
 */
import { spawnSync } from 'node:child_process';
import type { FitnessConfig } from './api.js';
import { shapeOf } from './eval.js';
import { showDim, type Dim, type Operator } from './ir.js';
import type { Binding } from './size.js';
import type { SearchSpec } from './spec.js';

export interface CandidateDocument {
  readonly format: 'kasc-search-candidate';
  readonly version: 1;
  readonly spec: string;
  readonly interface: {
    readonly inputs: readonly { readonly name: string; readonly size: string }[];
    readonly outputs: readonly { readonly name: string; readonly size: string }[];
  };
  readonly operator: {
    readonly text: string;
    readonly outputs: readonly string[];
    readonly reductions: readonly { readonly name: string; readonly size: string }[];
    readonly input: readonly string[];
    readonly weights: readonly (readonly string[])[];
    readonly trees: { readonly input: readonly ExprTree[]; readonly weights: readonly (readonly ExprTree[])[] };
    readonly key: string;
  };
  readonly binding: Binding;
  readonly shapes: { readonly input: readonly number[]; readonly output: readonly number[]; readonly weights: readonly (readonly number[])[] };
  readonly costBinding: Binding;
  readonly flops: number;
  readonly params: number;
  readonly teacher: string;
  readonly samples: number;
  readonly heldOut: number;
  readonly seed: number;
}

export type ExprTree =
  | { readonly iter: string }
  | { readonly div: ExprTree; readonly by: string }
  | { readonly mod: ExprTree; readonly by: string }
  | { readonly split: readonly [ExprTree, ExprTree]; readonly width: string }
  | { readonly shift: ExprTree; readonly size: string }
  | { readonly stride: ExprTree; readonly by: string }
  | { readonly unfold: readonly [ExprTree, ExprTree]; readonly size: string; readonly window: string };

function tree(d: Dim, names: ReadonlyMap<Dim, string>): ExprTree {
  const n = d.node;
  switch (n.kind) {
    case 'output':
    case 'reduce':
      return { iter: names.get(d) ?? d.key };
    case 'merge-hi':
      return { div: tree(n.of, names), by: n.block.key };
    case 'merge-lo':
      return { mod: tree(n.of, names), by: n.block.key };
    case 'split':
      return { split: [tree(n.hi, names), tree(n.lo, names)], width: n.lo.size.key };
    case 'shift':
      return { shift: tree(n.of, names), size: d.size.key };
    case 'stride':
      return { stride: tree(n.of, names), by: n.stride.key };
    case 'unfold':
      return { unfold: [tree(n.main, names), tree(n.window, names)], size: d.size.key, window: n.window.size.key };
  }
}

/** Iterator names: outputs by the interface's output names, reductions r0, r1, … (primed on a clash). */
function iteratorNames(op: Operator, spec: SearchSpec): Map<Dim, string> {
  const names = new Map<Dim, string>();
  const used = new Set<string>();
  const take = (d: Dim, want: string) => {
    let name = want;
    while (used.has(name)) name += "'";
    used.add(name);
    names.set(d, name);
  };
  op.outputs.forEach((d, i) => take(d, spec.outputs[i]?.name ?? `o${i}`));
  op.reductions.forEach((d, i) => take(d, `r${i}`));
  return names;
}

/** The readable, serializable form of a candidate (see the file comment). */
export function candidateDocument(op: Operator, spec: SearchSpec, config: FitnessConfig, flops: number, params: number): CandidateDocument {
  const names = iteratorNames(op, spec);
  const show = (d: Dim) => showDim(d, (leaf) => names.get(leaf) ?? leaf.key);
  const outputs = op.outputs.map(show);
  const input = op.input.map(show);
  const weights = op.weights.map((w) => w.map(show));
  const reductions = op.reductions.map((d) => ({ name: names.get(d)!, size: d.size.key }));
  const sum = reductions.length > 0 ? `Σ{${reductions.map((r) => `${r.name} < ${r.size}`).join(', ')}} ` : '';
  const text = `y[${outputs.join(', ')}] = ${sum}x[${input.join(', ')}]${weights.map((w, j) => ` · w${j}[${w.join(', ')}]`).join('')}`;
  return {
    format: 'kasc-search-candidate',
    version: 1,
    spec: spec.name,
    interface: {
      inputs: spec.inputs.map((d) => ({ name: d.name, size: d.size.key })),
      outputs: spec.outputs.map((d) => ({ name: d.name, size: d.size.key })),
    },
    operator: {
      text,
      outputs,
      reductions,
      input,
      weights,
      trees: { input: op.input.map((d) => tree(d, names)), weights: op.weights.map((w) => w.map((d) => tree(d, names))) },
      key: op.key,
    },
    binding: config.binding,
    shapes: { input: shapeOf(op.input, config.binding), output: shapeOf(op.outputs, config.binding), weights: op.weights.map((w) => shapeOf(w, config.binding)) },
    costBinding: spec.bindings[0] ?? {},
    flops,
    params,
    teacher: config.teacherName,
    samples: config.samples,
    heldOut: config.heldOut,
    seed: config.seed,
  };
}

/** A failed external evaluation: what went wrong, with the tail of the command's stderr. */
export class ExternalEvaluatorError extends Error {
  constructor(
    message: string,
    readonly command: string,
    readonly stderrTail: string,
  ) {
    super(stderrTail ? `${message}\n--- stderr (tail) ---\n${stderrTail}` : message);
    this.name = 'ExternalEvaluatorError';
  }
}

export interface ExternalOptions {
  /** Wall-clock limit per candidate, milliseconds. Default 600,000 (10 minutes). */
  readonly timeoutMs?: number;
  readonly cwd?: string;
}

export const DEFAULT_EXTERNAL_TIMEOUT_MS = 600_000;

const tail = (s: string, n = 2000): string => (s.length > n ? '…' + s.slice(s.length - n) : s).trimEnd();

/** The `r2` of `{"r2": …}` in the whole stdout or its last non-empty line; null if neither parses. */
function parseR2(stdout: string): number | null {
  const lines = stdout.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  for (const text of [stdout.trim(), lines[lines.length - 1] ?? '']) {
    try {
      const v: unknown = JSON.parse(text);
      if (v !== null && typeof v === 'object' && 'r2' in v && typeof v.r2 === 'number' && Number.isFinite(v.r2)) return v.r2;
    } catch {
      // not JSON: try the next form
    }
  }
  return null;
}

/** Run `command` with `doc` as JSON on stdin; its R² (see the file comment). */
export function runExternalEvaluator(command: string, doc: CandidateDocument, options: ExternalOptions = {}): number {
  const timeoutMs = options.timeoutMs ?? DEFAULT_EXTERNAL_TIMEOUT_MS;
  const r = spawnSync(command, {
    shell: true,
    input: JSON.stringify(doc),
    encoding: 'utf8',
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
    maxBuffer: 64 * 1024 * 1024,
    ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
  });
  const stderr = tail(r.stderr ?? '');
  const err = r.error as NodeJS.ErrnoException | undefined;
  if (err?.code === 'ETIMEDOUT') throw new ExternalEvaluatorError(`external evaluator \`${command}\` timed out after ${timeoutMs / 1000} s`, command, stderr);
  // EPIPE: the command exited without reading all of stdin — judge it by its status and output.
  if (err && err.code !== 'EPIPE') throw new ExternalEvaluatorError(`external evaluator \`${command}\` could not run: ${err.message}`, command, stderr);
  if (r.status !== 0) {
    const how = r.status === null ? `was killed by ${r.signal}` : `exited with status ${r.status}`;
    throw new ExternalEvaluatorError(`external evaluator \`${command}\` ${how}`, command, stderr);
  }
  const r2 = parseR2(r.stdout ?? '');
  if (r2 === null) {
    throw new ExternalEvaluatorError(`external evaluator \`${command}\` printed no {"r2": <finite number>} (stdout: ${JSON.stringify(tail(r.stdout ?? '', 200))})`, command, stderr);
  }
  return r2;
}
