/** `kasc build FILE [-o DIR]`: check, then write the outputs atomically (nothing on error). */
import * as path from 'node:path';
import { renderReportJson, reportJson } from '../../emit/report/json.js';
import { renderReportMarkdown } from '../../emit/report/markdown.js';
import { writeOutputsAtomically } from '../write.js';
import { diagnostic } from '../../diagnostics/codes.js';
import { compileFile, displaySource, parseFormat, printDiagnostics, printPlainDiagnostics, usageError, type CommandRegistration, type Format } from '../shared.js';

/**
 * What `--emit` can ask for: `report` is report.md + report.json, `html` is report.html, `wgsl` the
 * kernels (wgsl/<model>/<kernel>.wgsl), `ts` the self-contained TypeScript module of each model
 * (ts/<model>/model.ts, which embeds its kernels; the wgsl files are written with it). Both follow the
 * precision pass: FP8 linears for a model a `train` deployment runs in FP8 (codegen/emit-wgsl.ts
 * emitPrecisions), with a warning where a deployment's FP8 scaling cannot be followed.
 */
const EMIT_KINDS = ['report', 'html', 'wgsl', 'ts'] as const;
type EmitKind = (typeof EMIT_KINDS)[number];
/**
 * report.html is opt-in: drawing its charts loads Vega (~0.2 s) and renders them (~0.3 s), several
 * times what the rest of `kasc build` takes (bench/RESULTS.md).
 */
const DEFAULT_EMIT = 'report';

function parseEmit(v: string): EmitKind[] {
  const kinds = v.split(',').map((k) => k.trim()).filter(Boolean);
  const out = new Set<EmitKind>();
  for (const k of kinds) {
    if (k === 'all') EMIT_KINDS.forEach((x) => out.add(x));
    else if ((EMIT_KINDS as readonly string[]).includes(k)) out.add(k as EmitKind);
    else usageError(`--emit takes a comma-separated list of ${EMIT_KINDS.map((x) => `\`${x}\``).join(', ')} or \`all\`, not \`${k}\``);
  }
  if (out.size === 0) usageError(`--emit needs at least one of ${EMIT_KINDS.map((x) => `\`${x}\``).join(', ')}, \`all\``);
  return EMIT_KINDS.filter((k) => out.has(k));
}

export const registerBuild: CommandRegistration = (program, setExit) => {
  program
    .command('build')
    .description('check FILE and write report.md and report.json, and report.html with --emit (nothing is written if there are errors)')
    .argument('<file>', 'the .kas file to build')
    .option('-o, --out <dir>', 'output directory (default: build/<file-stem>)')
    .option('--format <format>', 'diagnostics format: human or json', parseFormat, 'human' as Format)
    .option('-q, --quiet', 'print nothing on success')
    .option('--emit <kinds>', 'what to write: `report` (report.md, report.json), `html` (report.html, with charts), `wgsl` (the model\'s WGSL kernels), `ts` (a TypeScript module per model that runs it on WebGPU, plus its kernels), or `all`; comma-separated', parseEmit, parseEmit(DEFAULT_EMIT))
    .action(async (file: string, opts: { out?: string; format: Format; quiet?: boolean; emit: EmitKind[] }) => {
      const r = compileFile(file, { json: opts.format === 'json', quiet: opts.quiet });
      if (printDiagnostics(r, opts.format) || !r.analysis) {
        setExit(1);
        return;
      }
      const source = displaySource(file);
      const out = opts.out ?? path.join('build', path.basename(file).replace(/\.kas$/, ''));
      const files: Record<string, string> = {};
      if (opts.emit.includes('report')) {
        files['report.md'] = renderReportMarkdown(r.analysis, source);
        files['report.json'] = renderReportJson(r.analysis, source);
      }
      if (opts.emit.includes('html')) {
        // Loaded only here: the charts pull in Vega, which the other outputs do not need.
        const { renderReportHtml } = await import('../../emit/html/index.js');
        files['report.html'] = await renderReportHtml(reportJson(r.analysis, source));
      }
      if ((opts.emit.includes('wgsl') || opts.emit.includes('ts')) && r.ir) {
        const { CannotGenerateError, emitPrecisions, emitWgsl } = await import('../../codegen/emit-wgsl.js');
        const chosen = emitPrecisions(r.analysis);
        printPlainDiagnostics(chosen.notes, r.source, opts.format);
        let what = 'WGSL kernels';
        try {
          // The TypeScript module embeds the kernels, so `ts` writes the .wgsl files too.
          Object.assign(files, emitWgsl(r.ir.models, source, chosen.byModel));
          if (opts.emit.includes('ts')) {
            what = 'TypeScript module';
            // Loaded only here: ts-morph and prettier take ~0.5 s to load, which no other output needs.
            const { emitTs } = await import('../../codegen/emit-ts.js');
            Object.assign(files, await emitTs(r.ir.models, source, chosen.byModel));
          }
        } catch (e) {
          if (!(e instanceof CannotGenerateError)) throw e;
          printPlainDiagnostics([diagnostic('cannotGenerate', { what, detail: e.message }, e.model.span)], r.source, opts.format);
          setExit(1);
          return;
        }
      }
      writeOutputsAtomically(out, files);
      if (!opts.quiet) process.stdout.write(`wrote ${Object.keys(files).map((f) => path.join(out, f)).join(', ')}\n`);
    });
};
