/**
 * The pipeline, in one place. Each stage is a function of its input and a diagnostics sink:
 *
 *   load (lex · parse · to-ast · resolve imports)  →  evaluate (schema, units, names)
 *   →  check (consistency)  →  lower (typed IR)  →  co-design passes, per deployment, in the order
 *   of DEPLOYMENT_PASSES  →  analyze (cost model)  →  emit (report, …)
 *
 * Stages after `check` run only on programs without errors, so they may trust their input.
 */
import { DiagnosticSink } from '../diagnostics/diagnostic.js';
import { report } from '../diagnostics/codes.js';
import { loadProgram, type FileReader, type Program } from '../semantics/resolve.js';
import { evaluateProgram, type CheckedProgram } from '../semantics/evaluate.js';
import { checkProgram } from '../semantics/check.js';
import { lowerProgram } from '../ir/lower.js';
import type { ProgramIR } from '../ir/deploy.js';
import { analyzeProgram, type Analysis } from './analyze.js';
import type { DeploymentPass, PassContext, PassResult } from './pass.js';
import { precisionPass } from './precision.js';
import { routingPass } from './routing.js';
import { placementPass } from './placement.js';
import { balancePass } from './balance.js';
import { trainPass } from './train.js';
import { servePass } from './serve.js';
import type { DeploymentIR } from '../ir/deploy.js';

/**
 * The co-design passes, in the order they run: each may read the results of those before it.
 * precision → routing → placement → balance → train / serve models.
 */
export const DEPLOYMENT_PASSES: readonly DeploymentPass[] = [
  precisionPass, // precision assignment: first (dtypes, bytes per parameter, FP8 share, accumulation error)
  routingPass, // node-limited routing: after precision (reads its dispatch/combine bytes)
  placementPass, // expert placement: after routing (reads its dispatch/combine bytes for the traffic-aware mode)
  balancePass, // loss-free balancing: after placement (bias controller vs none vs aux-loss-style)
  trainPass, // the training model: after routing, placement and balance (memory per GPU, step time, MFU)
  servePass, // the serving model: last (decode TPOT bounds, KV capacity)
];
import type { SourceFile } from '../syntax/source.js';

export interface CompileResult {
  readonly diagnostics: DiagnosticSink;
  readonly program?: Program;
  readonly checked?: CheckedProgram;
  readonly ir?: ProgramIR;
  readonly analysis?: Analysis;
  /** Source files by id, for printing diagnostics. */
  readonly source: (file: string) => SourceFile | undefined;
}

export interface CompileOptions {
  /**
   * Run the co-design passes (DEPLOYMENT_PASSES). Default true. The language server leaves them out
   * of its check-as-you-type run (they simulate routing and balancing, hundreds of milliseconds) and
   * runs them in the background when typing pauses.
   */
  readonly passes?: boolean;
  /** Told after each pass has run on each deployment (the CLI draws a progress bar from it). */
  readonly onPassProgress?: (done: number, total: number, what: string) => void;
}

export function compile(entry: string, reader: FileReader, cwd = process.cwd(), options: CompileOptions = {}): CompileResult {
  try {
    return compileStages(entry, reader, cwd, options);
  } catch (e) {
    // The parser and the evaluator recurse once per level of nesting: thousands of `(` or a chain of
    // thousands of `+` run out of stack. That is bad input, so it is a diagnostic, not a crash.
    if (!(e instanceof RangeError && /call stack/i.test(e.message))) throw e;
    const diagnostics = new DiagnosticSink();
    report(diagnostics, 'nestedTooDeeply', {}, undefined, { help: 'remove redundant brackets, or split a long expression with `const` declarations' });
    return { diagnostics, source: () => undefined };
  }
}

function compileStages(entry: string, reader: FileReader, cwd: string, options: CompileOptions): CompileResult {
  const diagnostics = new DiagnosticSink();
  const program = loadProgram(entry, reader, diagnostics, cwd);
  const source = (file: string) => program?.files.get(file)?.source;
  if (!program) return { diagnostics, source };
  const checked = evaluateProgram(program, diagnostics);
  checkProgram(checked, diagnostics);
  dropGuessesInRepairedDeclarations(diagnostics, program);
  sortBySource(diagnostics, [...program.files.keys()]);
  if (diagnostics.hasErrors) return { diagnostics, program, checked, source };
  const ir = lowerProgram(checked);
  const passResults = options.passes === false ? new Map<DeploymentIR, PassResult[]>() : runDeploymentPasses(ir, diagnostics, reader, options.onPassProgress);
  sortBySource(diagnostics, [...program.files.keys()]);
  if (diagnostics.hasErrors) return { diagnostics, program, checked, ir, source };
  const analysis = analyzeProgram(ir, passResults);
  return { diagnostics, program, checked, ir, analysis, source };
}

/**
 * A declaration with a syntax error was given its shape by the parser's recovery, so what the checks
 * say about it (a "missing" field that was mistyped, a name that was really the next line) is a guess:
 * keep the syntax errors, drop the rest for that declaration. Other declarations are checked as usual.
 */
function dropGuessesInRepairedDeclarations(sink: DiagnosticSink, program: Program): void {
  const isSyntax = (code: string) => code < 'KAS0200';
  const syntax = sink.items.filter((d) => isSyntax(d.code) && d.span);
  if (syntax.length === 0) return;
  const repaired = [...program.files.values()]
    .flatMap((f) => f.ast.blocks.map((b) => b.span))
    .filter((s) => syntax.some((d) => d.span!.file === s.file && d.span!.start >= s.start && d.span!.start <= s.end));
  const inRepaired = (d: (typeof sink.items)[number]) => d.span !== undefined && repaired.some((s) => s.file === d.span!.file && d.span!.start >= s.start && d.span!.start < s.end);
  const kept = sink.items.filter((d) => isSyntax(d.code) || !inRepaired(d));
  sink.items.splice(0, sink.items.length, ...kept);
}

function runDeploymentPasses(ir: ProgramIR, sink: DiagnosticSink, reader: FileReader, onProgress?: CompileOptions['onPassProgress']): Map<DeploymentIR, PassResult[]> {
  const results = new Map<DeploymentIR, PassResult[]>(ir.deployments.map((d) => [d, []]));
  const ctx: PassContext = {
    ir,
    sink,
    reader,
    result: <T>(d: DeploymentIR, name: string) => results.get(d)?.find((r) => r.pass.name === name)?.result as T | undefined,
  };
  const total = DEPLOYMENT_PASSES.length * ir.deployments.length;
  let done = 0;
  for (const pass of DEPLOYMENT_PASSES) {
    for (const d of ir.deployments) {
      const r = pass.run(d, ctx);
      if (r !== undefined) results.get(d)!.push({ pass, result: r });
      onProgress?.(++done, total, `${pass.name} ${d.name}`);
    }
  }
  return results;
}

/** Diagnostics read top to bottom: by file (in load order), then by position; stable otherwise. */
function sortBySource(sink: DiagnosticSink, fileOrder: string[]): void {
  const rank = (f: string | undefined) => (f === undefined ? -1 : fileOrder.indexOf(f));
  sink.items.sort((a, b) => rank(a.span?.file) - rank(b.span?.file) || (a.span?.start ?? 0) - (b.span?.start ?? 0));
}
