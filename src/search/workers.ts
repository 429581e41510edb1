/**
 * Scoring finished operators, in the calling thread or in a pool of worker threads. A score is the
 * operator's semantic fingerprint plus its `FitnessResult` (the pluggable scorer, default
 * `evaluateFitness` of fitness.ts, when a fitness config is given; otherwise exact FLOPs and params
 * with R² NaN, method `none`). Scoring is a pure function of the operator, the spec and the config,
 * so splitting a batch into contiguous chunks, one per worker, and joining the answers in order
 * gives the same results for any number of threads.
 *
 * Workers cannot share hash-consed objects: operators and the spec cross as JSON (serialize.ts) and
 * are rebuilt in the worker's own intern tables. The worker entry is search-worker.ts; run from the
 * TypeScript sources (vitest), the worker registers a small loader that transpiles .ts on the fly
 * with the installed `typescript` package.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { FitnessConfig, FitnessResult, LatencyTarget } from './api.js';
import { operatorFlops, operatorParams } from './cost.js';
import { fingerprintOf } from './enumerate.js';
import type { Operator } from './ir.js';
import { operatorFromJson, operatorToJson, specToJson, type OperatorJson, type SpecJson } from './serialize.js';
import type { SearchSpec } from './spec.js';

/** Where a scorer lives: a module URL and the name of its export (workers import it themselves). */
export interface ScorerRef {
  readonly module: string;
  readonly name: string;
}

export type Scorer = (op: Operator, spec: SearchSpec, config: FitnessConfig | undefined, target: LatencyTarget | undefined) => FitnessResult;

/** fitness.ts's `evaluateFitness`. */
export const DEFAULT_SCORER: ScorerRef = { module: new URL('./fitness.js', import.meta.url).href, name: 'evaluateFitness' };

export interface Score {
  readonly fingerprint: string;
  readonly fitness: FitnessResult;
}

/** Scoring without a fitness config: cost only. */
export function costOnly(op: Operator, spec: SearchSpec): FitnessResult {
  const b = spec.bindings[0]!;
  return { r2: Number.NaN, method: 'none', flops: operatorFlops(op, b).flops, params: operatorParams(op, b), latencySeconds: null };
}

export async function loadScorer(ref: ScorerRef): Promise<Scorer> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(ref.module)) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`cannot load the fitness scorer from ${ref.module}: ${(e as Error).message}`);
  }
  const f = mod[ref.name];
  if (typeof f !== 'function') throw new Error(`the scorer module ${ref.module} has no function \`${ref.name}\``);
  return f as Scorer;
}

export function scoreWith(scorer: Scorer | null, op: Operator, spec: SearchSpec, config: FitnessConfig | undefined, target: LatencyTarget | undefined): Score {
  return { fingerprint: fingerprintOf(op, spec), fitness: scorer && config ? scorer(op, spec, config, target) : costOnly(op, spec) };
}

/** The fitness config as JSON: the teacher operator crosses as a tree. */
export type FitnessJson = Omit<FitnessConfig, 'teacher'> & { readonly teacher: OperatorJson };

export const fitnessToJson = (c: FitnessConfig): FitnessJson => ({ ...c, teacher: operatorToJson(c.teacher) });
export const fitnessFromJson = (j: FitnessJson): FitnessConfig => ({ ...j, teacher: operatorFromJson(j.teacher) });

/** What the main thread sends a worker once, and per batch. */
export interface WorkerSetup {
  readonly spec: SpecJson;
  readonly fitness: FitnessJson | null;
  readonly target: LatencyTarget | null;
  readonly scorer: ScorerRef | null;
}

export interface WorkerJob {
  readonly id: number;
  readonly operators: readonly OperatorJson[];
}

export type WorkerReply = { readonly id: number; readonly scores: Score[] } | { readonly id: number; readonly error: string };

/** Scores batches of operators with `threads` workers (or inline for 1). */
export class ScoringPool {
  private workers: Worker[] = [];
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (s: Score[]) => void; reject: (e: Error) => void }>();
  private scorer: Scorer | null = null;

  private constructor(
    private readonly spec: SearchSpec,
    private readonly config: FitnessConfig | undefined,
    private readonly target: LatencyTarget | undefined,
  ) {}

  static async create(spec: SearchSpec, config: FitnessConfig | undefined, target: LatencyTarget | undefined, threads: number, scorer: ScorerRef): Promise<ScoringPool> {
    const pool = new ScoringPool(spec, config, target);
    const ref = config ? scorer : null;
    if (threads <= 1) {
      pool.scorer = ref ? await loadScorer(ref) : null;
      return pool;
    }
    const setup: WorkerSetup = { spec: specToJson(spec), fitness: config ? fitnessToJson(config) : null, target: target ?? null, scorer: ref };
    for (let i = 0; i < threads; i++) pool.workers.push(pool.startWorker(setup));
    return pool;
  }

  private startWorker(setup: WorkerSetup): Worker {
    const { url, loader } = workerEntry();
    const w = loader
      ? new Worker(
          `import('node:module').then((m) => { m.register(${JSON.stringify(loader)}); return import(${JSON.stringify(url.href)}); });`,
          { eval: true, workerData: setup },
        )
      : new Worker(url, { workerData: setup });
    w.on('message', (r: WorkerReply) => {
      const p = this.pending.get(r.id);
      if (!p) return;
      this.pending.delete(r.id);
      if ('error' in r) p.reject(new Error(`search worker: ${r.error}`));
      else p.resolve(r.scores);
    });
    const fail = (e: Error) => {
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    w.on('error', fail);
    w.on('exit', (code) => {
      if (code !== 0) fail(new Error(`search worker exited with code ${code}`));
    });
    return w;
  }

  /** Scores in input order. */
  async score(ops: readonly Operator[]): Promise<Score[]> {
    if (ops.length === 0) return [];
    if (this.workers.length === 0) return ops.map((op) => scoreWith(this.scorer, op, this.spec, this.config, this.target));
    const per = Math.ceil(ops.length / this.workers.length);
    const parts: Promise<Score[]>[] = [];
    for (let i = 0; i * per < ops.length; i++) {
      const chunk = ops.slice(i * per, (i + 1) * per);
      const id = this.nextId++;
      parts.push(
        new Promise<Score[]>((resolve, reject) => {
          this.pending.set(id, { resolve, reject });
          this.workers[i]!.postMessage({ id, operators: chunk.map(operatorToJson) } satisfies WorkerJob);
        }),
      );
    }
    return (await Promise.all(parts)).flat();
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers = [];
  }
}

/**
 * The worker entry: the compiled search-worker.js next to this file, or — from the TypeScript
 * sources — search-worker.ts with a loader (a data: URL) that maps `.js` imports to `.ts` and
 * transpiles them with `typescript`.
 */
function workerEntry(): { url: URL; loader: string | null } {
  const js = new URL('./search-worker.js', import.meta.url);
  if (js.protocol === 'file:' && existsSync(fileURLToPath(js))) return { url: js, loader: null };
  const ts = new URL('./search-worker.ts', import.meta.url);
  const tsPath = pathToFileURL(createRequire(import.meta.url).resolve('typescript')).href;
  const source = `
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from ${JSON.stringify(tsPath)};
export async function resolve(specifier, context, next) {
  if (specifier.endsWith('.js') && (specifier.startsWith('.') || specifier.startsWith('file:')) && context.parentURL && context.parentURL.startsWith('file:')) {
    const url = new URL(specifier, context.parentURL);
    if (!existsSync(fileURLToPath(url))) {
      const alt = new URL(url.href.slice(0, -3) + '.ts');
      if (existsSync(fileURLToPath(alt))) return { url: alt.href, shortCircuit: true, format: 'module' };
    }
  }
  return next(specifier, context);
}
export async function load(url, context, next) {
  if (url.startsWith('file:') && url.endsWith('.ts')) {
    const text = await readFile(fileURLToPath(url), 'utf8');
    const out = ts.transpileModule(text, { fileName: fileURLToPath(url), compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false } });
    return { format: 'module', source: out.outputText, shortCircuit: true };
  }
  return next(url, context);
}`;
  return { url: ts, loader: `data:text/javascript,${encodeURIComponent(source)}` };
}
