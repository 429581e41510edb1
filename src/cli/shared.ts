/** What every command shares: reading files, printing diagnostics, option parsing. */
import { CommanderError } from 'commander';
import * as fs from 'node:fs';
import * as path from 'node:path';
import pc from 'picocolors';
import { compile, type CompileResult } from '../passes/index.js';
import { createProgress } from './progress.js';
import { diagnosticsToJson, renderDiagnostics, type Style } from '../diagnostics/render.js';
import type { FileReader } from '../semantics/resolve.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';

export const diskReader: FileReader = {
  read(p) {
    try {
      return fs.readFileSync(p, 'utf8');
    } catch {
      return undefined;
    }
  },
};

/** Colour only on a terminal, never with NO_COLOR or TERM=dumb. */
export function styleFor(stream: NodeJS.WriteStream): Style {
  const enabled = Boolean(stream.isTTY) && !('NO_COLOR' in process.env) && process.env['TERM'] !== 'dumb';
  const c = pc.createColors(enabled);
  return { error: c.red, warning: c.yellow, bold: c.bold, dim: c.blue, help: c.cyan };
}

export type Format = 'human' | 'json';

/** Prints a compile's diagnostics to stderr; returns true when there were errors. */
export function printDiagnostics(r: CompileResult, format: Format): boolean {
  const items = r.diagnostics.items;
  if (format === 'json') {
    if (items.length) process.stderr.write(JSON.stringify(diagnosticsToJson(items, r.source), null, 2) + '\n');
  } else if (items.length) {
    process.stderr.write(renderDiagnostics(items, r.source, styleFor(process.stderr)));
  }
  return r.diagnostics.hasErrors;
}

/** Prints diagnostics that come without a compile (interop: a config.json, a pick by name) to stderr. */
export function printPlainDiagnostics(items: readonly Diagnostic[], source: CompileResult['source'] = () => undefined, format: Format = 'human'): boolean {
  if (items.length) {
    if (format === 'json') process.stderr.write(JSON.stringify(diagnosticsToJson([...items], source), null, 2) + '\n');
    else process.stderr.write(renderDiagnostics([...items], source, styleFor(process.stderr)));
  }
  return items.some((d) => d.severity === 'error');
}

export function parseFormat(v: string): Format {
  if (v !== 'human' && v !== 'json') throw new CommanderError(1, 'kasc.usage', `error: --format must be \`human\` or \`json\`, not \`${v}\``);
  return v;
}

/** A usage error: printed as is, exit 1. */
export function usageError(message: string): never {
  throw new CommanderError(1, 'kasc.usage', `error: ${message}`);
}

/** The input's path as reports show it: relative to the working directory, with forward slashes. */
export function displaySource(file: string): string {
  return path.relative(process.cwd(), path.resolve(file)).split(path.sep).join('/');
}

/**
 * A command adds itself to the program and reports its exit code through `setExit`. Commands load
 * heavy modules inside their action, so start-up pays only for the command that runs.
 */
export type CommandRegistration = (program: import('commander').Command, setExit: (code: number) => void) => void;

/** Compiles a file from disk, drawing a progress bar over the co-design passes on a terminal. */
export function compileFile(file: string, opts: { json?: boolean; quiet?: boolean } = {}): CompileResult {
  const progress = createProgress('co-design passes', opts);
  try {
    return compile(file, diskReader, process.cwd(), { onPassProgress: (done, total, what) => progress.update(done, total, what) });
  } finally {
    progress.finish();
  }
}
