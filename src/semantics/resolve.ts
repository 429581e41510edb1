/**
 * Loads a file and everything it imports, and builds each file's top-level scope. Imports: a bare path
 * (`"hardware/h800"`) is looked up in the stdlib; a path starting with `.` is relative to the importing
 * file. `.kas` may be left off. A missing file or an import cycle is a diagnostic, never an exception.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DiagnosticSink } from '../diagnostics/diagnostic.js';
import { report } from '../diagnostics/codes.js';
import type { BlockDecl, ConstDecl, KasFile } from '../syntax/ast.js';
import { parseSource } from '../syntax/parse.js';
import { SourceFile } from '../syntax/source.js';
import { closest } from './suggest.js';

export const STDLIB_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../stdlib');

/** Where source text comes from: the disk for the CLI, open buffers for the language server. */
export interface FileReader {
  read(absPath: string): string | undefined;
}

export type Declaration = { readonly kind: 'block'; readonly decl: BlockDecl; readonly file: string } | { readonly kind: 'const'; readonly decl: ConstDecl; readonly file: string };

export interface LoadedFile {
  readonly id: string;
  readonly source: SourceFile;
  readonly ast: KasFile;
  /** Absolute paths of the files this one imports, in order. */
  readonly imports: readonly string[];
  /** Names this file declares itself. */
  readonly own: ReadonlyMap<string, Declaration>;
}

export interface Program {
  readonly entry: string;
  readonly files: ReadonlyMap<string, LoadedFile>;
}

export function resolveImportPath(spec: string, fromFile: string): string {
  const withExt = spec.endsWith('.kas') ? spec : spec + '.kas';
  if (spec.startsWith('.')) return path.resolve(path.dirname(fromFile), withExt);
  if (path.isAbsolute(spec)) return withExt;
  return path.join(STDLIB_ROOT, withExt);
}

/** The path shown to users: relative to the working directory when inside it, `stdlib/…` for the stdlib. */
export function displayPath(abs: string, cwd = process.cwd()): string {
  const rel = path.relative(cwd, abs);
  if (!rel.startsWith('..') && !path.isAbsolute(rel)) return rel.split(path.sep).join('/');
  const std = path.relative(STDLIB_ROOT, abs);
  if (!std.startsWith('..')) return 'stdlib/' + std.split(path.sep).join('/');
  return abs;
}

export function loadProgram(entryPath: string, reader: FileReader, sink: DiagnosticSink, cwd = process.cwd()): Program | undefined {
  const entry = path.resolve(cwd, entryPath);
  const files = new Map<string, LoadedFile>();
  const text = reader.read(entry);
  if (text === undefined) {
    report(sink, 'fileNotFound', { path: entryPath }, undefined);
    return undefined;
  }
  const stack: string[] = [];

  const load = (abs: string, text: string): void => {
    const source = new SourceFile(displayPath(abs, cwd), text);
    const ast = parseSource(text, abs, sink);
    const own = new Map<string, Declaration>();
    const declare = (name: string, d: Declaration, span: BlockDecl['name']['span']) => {
      const prior = own.get(name);
      if (prior) {
        report(sink, 'duplicateDeclaration', { name }, span, { label: 'declared again here', notes: [{ message: 'first declared here', span: prior.decl.name.span }] });
        return;
      }
      own.set(name, d);
    };
    for (const c of ast.consts) declare(c.name.name, { kind: 'const', decl: c, file: abs }, c.name.span);
    for (const b of ast.blocks) declare(b.name.name, { kind: 'block', decl: b, file: abs }, b.name.span);
    const imports: string[] = [];
    const loaded: LoadedFile = { id: abs, source, ast, imports, own };
    files.set(abs, loaded);
    stack.push(abs);
    for (const imp of ast.imports) {
      const target = resolveImportPath(imp.path, abs);
      const onStack = stack.indexOf(target);
      if (onStack >= 0) {
        const cycle = [...stack.slice(onStack), target].map((f) => displayPath(f, cwd)).join(' → ');
        report(sink, 'importCycle', { cycle }, imp.pathSpan, { help: 'move the shared declarations into a file both can import' });
        continue;
      }
      if (!files.has(target)) {
        const t = reader.read(target);
        if (t === undefined) {
          const bare = !imp.path.startsWith('.');
          const meant = bare ? closest(imp.path.replace(/\.kas$/, ''), stdlibModules()) : undefined;
          report(sink, 'importNotFound', { path: imp.path }, imp.pathSpan, {
            help: meant
              ? `did you mean "${meant}"?`
              : bare
                ? `bare paths are looked up in the stdlib (${stdlibHint()}); use "./${imp.path}" for a file beside this one`
                : `looked for ${displayPath(target, cwd)}`,
          });
          continue;
        }
        load(target, t);
      }
      if (!imports.includes(target)) imports.push(target);
    }
    stack.pop();
  };

  load(entry, text);
  return { entry, files };
}

/** The stdlib's importable paths (`models/deepseek-v3`), for did-you-mean. */
function stdlibModules(): string[] {
  try {
    return fs
      .readdirSync(STDLIB_ROOT, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.kas'))
      .map((f) => f.slice(0, -'.kas'.length).split(path.sep).join('/'))
      .sort();
  } catch {
    return [];
  }
}

function stdlibHint(): string {
  return 'for example "hardware/h800", "models/deepseek-v3"';
}

/**
 * Looks a top-level name up from a file: its own declarations first, then those of the files it
 * imports directly. `ambiguous` lists the files when two imports declare the name.
 */
export function lookupTopLevel(program: Program, fromFile: string, name: string): { found?: Declaration; ambiguous?: Declaration[] } {
  const file = program.files.get(fromFile);
  if (!file) return {};
  const own = file.own.get(name);
  if (own) return { found: own };
  const hits: Declaration[] = [];
  for (const imp of file.imports) {
    const d = program.files.get(imp)?.own.get(name);
    if (d && !hits.some((h) => h.decl === d.decl)) hits.push(d);
  }
  if (hits.length > 1) return { ambiguous: hits };
  return hits.length ? { found: hits[0]! } : {};
}

/** Every name visible from a file, for did-you-mean and completion. */
export function visibleNames(program: Program, fromFile: string): string[] {
  const file = program.files.get(fromFile);
  if (!file) return [];
  const names = new Set(file.own.keys());
  for (const imp of file.imports) for (const n of program.files.get(imp)?.own.keys() ?? []) names.add(n);
  return [...names].sort();
}
