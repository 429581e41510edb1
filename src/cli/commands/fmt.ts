/**
 * `kasc fmt FILE...`: rewrite files in the canonical layout (docs/language.md, "Formatting"). A directory
 * stands for every .kas file under it. `--check` lists the files that would change and exits 1 if
 * any would; `--stdout` prints the formatted text instead of writing it. A file with syntax errors is
 * never rewritten: its diagnostics are printed and the exit code is 1.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CommandRegistration } from '../shared.js';
import { displaySource, styleFor, usageError } from '../shared.js';

interface FmtOptions {
  check?: boolean;
  stdout?: boolean;
}

/** The .kas files a path names: itself, or every .kas file under a directory, sorted. */
function expand(p: string): string[] {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(p);
  } catch {
    return [p];
  }
  if (!stat.isDirectory()) return [p];
  const out: string[] = [];
  for (const e of fs.readdirSync(p, { withFileTypes: true })) {
    if (e.name.startsWith('.') || e.name === 'node_modules') continue;
    const child = path.join(p, e.name);
    if (e.isDirectory()) out.push(...expand(child));
    else if (e.isFile() && e.name.endsWith('.kas')) out.push(child);
  }
  return out.sort();
}

/** Replaces a file's contents in one rename, so an interrupted write never leaves half a file. */
function writeInPlace(file: string, text: string): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.kasc-fmt-${process.pid}`);
  fs.writeFileSync(tmp, text);
  try {
    fs.chmodSync(tmp, fs.statSync(file).mode);
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

export const registerFmt: CommandRegistration = (program, setExit) => {
  program
    .command('fmt')
    .description('rewrite .kas files in the canonical layout (directories: every .kas file under them)')
    .argument('<files...>', '.kas files or directories')
    .option('--check', 'write nothing; list the files that would change and exit 1 if any would')
    .option('--stdout', 'print the formatted text instead of rewriting the files')
    .action(async (args: string[], opts: FmtOptions) => {
      if (opts.check && opts.stdout) usageError('--check and --stdout cannot be used together');
      const { formatSource } = await import('../../format/format.js');
      const { renderDiagnostics } = await import('../../diagnostics/render.js');
      const { SourceFile } = await import('../../syntax/source.js');
      const { diagnostic } = await import('../../diagnostics/codes.js');
      const files = args.flatMap(expand);
      if (files.length === 0) usageError(`no .kas files in ${args.map((a) => '`' + a + '`').join(', ')}`);
      for (const file of files) {
        const shown = displaySource(file);
        let text: string;
        try {
          text = fs.readFileSync(file, 'utf8');
        } catch {
          const d = diagnostic('fileNotFound', { path: shown }, undefined);
          process.stderr.write(renderDiagnostics([d], () => undefined, styleFor(process.stderr)));
          setExit(1);
          continue;
        }
        const result = formatSource(text, shown);
        if (result.diagnostics.length) {
          const source = new SourceFile(shown, text);
          process.stderr.write(renderDiagnostics(result.diagnostics, (f) => (f === shown ? source : undefined), styleFor(process.stderr)));
        }
        if (result.diagnostics.some((d) => d.severity === 'error')) {
          setExit(1);
          continue;
        }
        if (opts.stdout) process.stdout.write(result.text);
        else if (opts.check) {
          if (result.changed) {
            process.stdout.write(shown + '\n');
            setExit(1);
          }
        } else if (result.changed) writeInPlace(file, result.text);
      }
    });
};
