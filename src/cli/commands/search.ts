/**
 * `kasc search FILE [--search NAME] [-o DIR] [--strategy S] [--seed N] [--threads N] [--evaluations N]
 * [--format json] [-q]`: compile FILE (errors → diagnostics, exit 1), run the `search` block (the
 * file's only one, or NAME) with a progress bar on a terminal, print its Pareto front, and write DIR
 * (default `build/<file-stem>-search`, a sibling of what `kasc build` writes, so neither replaces the
 * other) atomically: `search.json` (`kasc.search/v1`), `search.md` and `wgsl/search/<NAME>/best.wgsl`
 * (+ `top-2.wgsl`, … for the block's `kernels`). Seconds appear only on stdout, never in the files.
 */
import * as path from 'node:path';
import { InvalidArgumentError } from 'commander';
import { diagnostic } from '../../diagnostics/codes.js';
import { createProgress } from '../progress.js';
import { writeOutputsAtomically } from '../write.js';
import { compileFile, displaySource, parseFormat, printDiagnostics, printPlainDiagnostics, type CommandRegistration, type Format } from '../shared.js';
import type { StrategyName } from '../../search/api.js';
import type { SearchIR } from '../../ir/search.js';

const STRATEGIES: readonly StrategyName[] = ['mcts', 'beam', 'random', 'canvas'];

const whole = (name: string, min: number) => (v: string) => {
  const n = Number(v);
  if (!/^\s*\d+\s*$/.test(v) || !Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be a whole number ≥ ${min}`);
  return n;
};

const strategy = (v: string): StrategyName => {
  if (!(STRATEGIES as readonly string[]).includes(v)) throw new InvalidArgumentError(`--strategy must be one of ${STRATEGIES.join(', ')}`);
  return v as StrategyName;
};

interface SearchOptions {
  search?: string;
  out?: string;
  strategy?: StrategyName;
  seed?: number;
  threads?: number;
  evaluations?: number;
  format: Format;
  quiet?: boolean;
}

/** Left-aligned text columns, numbers right-aligned. */
function table(head: string[], rows: string[][]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const numeric = head.map((_, i) => i < head.length - 1);
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  return [line(head), ...rows.map(line)];
}

export const registerSearch: CommandRegistration = (program, setExit) => {
  program
    .command('search')
    .description('run a `search` block: synthesize operators, print the Pareto front, write search.json, search.md and WGSL kernels')
    .argument('<file>', 'the .kas file with the search block')
    .option('--search <name>', 'which search block (default: the file\'s only one)')
    .option('-o, --out <dir>', 'output directory (default: build/<file-stem>-search)')
    .option('--strategy <s>', `override the block's strategy: ${STRATEGIES.join(', ')}`, strategy)
    .option('--seed <n>', 'override the block\'s seed', whole('--seed', 0))
    .option('--threads <n>', 'override the worker threads (results do not depend on them)', whole('--threads', 1))
    .option('--evaluations <n>', 'override the number of operators scored', whole('--evaluations', 1))
    .option('--format <format>', 'output format: human or json (search.json on stdout, diagnostics as JSON)', parseFormat, 'human' as Format)
    .option('-q, --quiet', 'print nothing on success')
    .action(async (file: string, opts: SearchOptions) => {
      const json = opts.format === 'json';
      const r = compileFile(file, { json, quiet: opts.quiet });
      if (printDiagnostics(r, opts.format) || !r.ir) {
        setExit(1);
        return;
      }
      const source = displaySource(file);
      const searches = r.ir.searches ?? [];
      const names = searches.map((s) => '`' + s.name + '`').join(', ');
      let ir: SearchIR | undefined;
      if (opts.search !== undefined) {
        ir = searches.find((s) => s.name === opts.search);
        if (!ir) {
          printPlainDiagnostics([diagnostic('declarationNotFound', { kind: 'search', name: opts.search, file: source }, undefined, searches.length ? { help: `it declares ${names}` } : {})], r.source, opts.format);
          setExit(1);
          return;
        }
      } else if (searches.length === 1) ir = searches[0];
      else {
        printPlainDiagnostics(
          [searches.length === 0 ? diagnostic('declarationNotFound', { kind: 'search', name: '', file: source }, undefined, { help: 'declare a `search` block (docs/language.md, "search")' }) : diagnostic('declarationAmbiguous', { kind: 'search', file: source, names, option: '--search NAME' }, undefined)],
          r.source,
          opts.format,
        );
        setExit(1);
        return;
      }

      // Loaded here only: the search, its workers and the WGSL emitter are this command's alone.
      const { lowerSearch } = await import('../../search/lower.js');
      const { runSearch } = await import('../../search/run.js');
      const render = await import('../../emit/search/render.js');
      const { spec, request } = lowerSearch(ir!, {
        ...(opts.strategy ? { strategy: opts.strategy } : {}),
        ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
        ...(opts.threads !== undefined ? { threads: opts.threads } : {}),
        ...(opts.evaluations !== undefined ? { evaluations: opts.evaluations } : {}),
      });
      const progress = createProgress(`search ${ir!.name}`, { json, quiet: opts.quiet });
      let result;
      try {
        result = await runSearch(spec, { ...request, onProgress: (p) => progress.update(p.evaluations, p.maxEvaluations, p.best === null ? '' : `best R² ${p.best.toFixed(4)}`) });
      } finally {
        progress.finish();
      }
      const output = { ir: ir!, spec, request, result };
      const out = opts.out ?? path.join('build', path.basename(file).replace(/\.kas$/, '') + '-search');
      const files: Record<string, string> = {
        'search.json': render.renderSearchJson(output, source),
        'search.md': render.renderSearchMarkdown(output, source),
        ...render.searchKernels(output, source),
      };
      writeOutputsAtomically(out, files);
      if (json) {
        process.stdout.write(files['search.json']!);
        return;
      }
      if (opts.quiet) return;
      const s = result.stats;
      const lines = [
        `search ${ir!.name}: ${render.interfaceText(ir!)}, ${request.strategy} seed ${request.seed}: ${render.fmtCount(s.evaluations)} operators scored, ${render.fmtCount(s.expansions)} states expanded in ${s.seconds.toFixed(1)} s`,
        '',
        `Pareto front (${result.pareto.length}):`,
        ...table(render.CANDIDATE_COLUMNS, render.candidateRows(result.pareto)).map((l) => '  ' + l),
        '',
        result.candidates.length ? `best: ${render.fmtR2(result.candidates[0]!.fitness.r2)} R², ${render.fmtCount(result.candidates[0]!.fitness.flops)} FLOPs` : 'no candidate met the budget',
        `wrote ${Object.keys(files).map((f) => path.join(out, f)).join(', ')}`,
      ];
      process.stdout.write(lines.join('\n') + '\n');
    });
};
