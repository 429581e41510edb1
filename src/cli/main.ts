/**
 * The kasc command line. Exit codes: 0 success, 1 user error (diagnostics), 2 internal error.
 * Diagnostics go to stderr, in colour only on a terminal and never with NO_COLOR.
 */
import { Command, CommanderError } from 'commander';
import * as fs from 'node:fs';
import * as path from 'node:path';
import pc from 'picocolors';
import { compile, type CompileResult } from '../passes/index.js';
import { diagnosticsToJson, renderDiagnostics, type Style } from '../diagnostics/render.js';
import { renderReportJson } from '../emit/report/json.js';
import { renderReportMarkdown } from '../emit/report/markdown.js';
import { writeOutputsAtomically } from './write.js';
import { VERSION } from '../version.js';
import type { FileReader } from '../semantics/resolve.js';

export const diskReader: FileReader = {
  read(p) {
    try {
      return fs.readFileSync(p, 'utf8');
    } catch {
      return undefined;
    }
  },
};

function styleFor(stream: NodeJS.WriteStream): Style {
  const enabled = Boolean(stream.isTTY) && !('NO_COLOR' in process.env) && process.env['TERM'] !== 'dumb';
  const c = pc.createColors(enabled);
  return { error: c.red, warning: c.yellow, bold: c.bold, dim: c.blue, help: c.cyan };
}

type Format = 'human' | 'json';

/** Prints a compile's diagnostics; returns true when there were errors. */
function printDiagnostics(r: CompileResult, format: Format): boolean {
  const items = r.diagnostics.items;
  if (format === 'json') {
    if (items.length) process.stderr.write(JSON.stringify(diagnosticsToJson(items, r.source), null, 2) + '\n');
  } else if (items.length) {
    process.stderr.write(renderDiagnostics(items, r.source, styleFor(process.stderr)));
  }
  return r.diagnostics.hasErrors;
}

function parseFormat(v: string): Format {
  if (v !== 'human' && v !== 'json') throw new CommanderError(1, 'kasc.format', `error: --format must be \`human\` or \`json\`, not \`${v}\``);
  return v;
}

function displaySource(file: string): string {
  return path.relative(process.cwd(), path.resolve(file)).split(path.sep).join('/');
}

export async function main(argv: string[]): Promise<number> {
  let exit = 0;
  const program = new Command()
    .name('kasc')
    .description('compile .kas descriptions of LLMs, hardware and deployments into co-design reports')
    .version(VERSION, '-V, --version')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s), writeOut: (s) => process.stdout.write(s) })
    .showHelpAfterError('(run `kasc --help` or `kasc <command> --help` for usage)');

  program
    .command('build')
    .description('check FILE and write report.md and report.json (nothing is written if there are errors)')
    .argument('<file>', 'the .kas file to build')
    .option('-o, --out <dir>', 'output directory (default: build/<file-stem>)')
    .option('--format <format>', 'diagnostics format: human or json', parseFormat, 'human' as Format)
    .option('-q, --quiet', 'print nothing on success')
    .action((file: string, opts: { out?: string; format: Format; quiet?: boolean }) => {
      const r = compile(file, diskReader);
      if (printDiagnostics(r, opts.format) || !r.analysis) {
        exit = 1;
        return;
      }
      const source = displaySource(file);
      const out = opts.out ?? path.join('build', path.basename(file).replace(/\.kas$/, ''));
      const files = {
        'report.md': renderReportMarkdown(r.analysis, source),
        'report.json': renderReportJson(r.analysis, source),
      };
      writeOutputsAtomically(out, files);
      if (!opts.quiet) process.stdout.write(`wrote ${Object.keys(files).map((f) => path.join(out, f)).join(', ')}\n`);
    });

  program
    .command('check')
    .description('check files and print every diagnostic')
    .argument('<files...>', '.kas files to check')
    .option('--format <format>', 'diagnostics format: human or json', parseFormat, 'human' as Format)
    .action((files: string[], opts: { format: Format }) => {
      const all: unknown[] = [];
      for (const file of files) {
        const r = compile(file, diskReader);
        if (opts.format === 'json') all.push(...diagnosticsToJson(r.diagnostics.items, r.source));
        else printDiagnostics(r, 'human');
        if (r.diagnostics.hasErrors) exit = 1;
      }
      if (opts.format === 'json') process.stdout.write(JSON.stringify(all, null, 2) + '\n');
    });

  program
    .command('report')
    .description('check FILE and print its report (markdown, or JSON with --json)')
    .argument('<file>', 'the .kas file')
    .option('--json', 'print report.json instead of markdown')
    .option('--format <format>', 'diagnostics format: human or json', parseFormat, 'human' as Format)
    .action((file: string, opts: { json?: boolean; format: Format }) => {
      const r = compile(file, diskReader);
      if (printDiagnostics(r, opts.format) || !r.analysis) {
        exit = 1;
        return;
      }
      const source = displaySource(file);
      process.stdout.write(opts.json ? renderReportJson(r.analysis, source) : renderReportMarkdown(r.analysis, source));
    });

  try {
    if (argv.length === 0) {
      program.outputHelp();
      return 1;
    }
    await program.parseAsync(argv, { from: 'user' });
    return exit;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      if (e.code === 'kasc.format') process.stderr.write(e.message + '\n');
      return 1;
    }
    const detail = e instanceof Error ? (e.stack ?? e.message) : String(e);
    process.stderr.write(
      `error[KAS0901]: internal error: ${e instanceof Error ? e.message : String(e)}\n` +
        ` = help: this is a bug in kasc ${VERSION}, not in your file; please report it with the input and this trace:\n` +
        detail
          .split('\n')
          .map((l) => '   ' + l)
          .join('\n') +
        '\n',
    );
    return 2;
  }
}
