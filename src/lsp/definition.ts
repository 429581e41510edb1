/** Go to definition: an import opens its file; a reference jumps to what it names, in any file. */
import type { Location } from 'vscode-languageserver/node.js';
import { resolveImportPath } from '../semantics/resolve.js';
import { locate } from './locate.js';
import { definitionSpan, resolveReference } from './lookup.js';
import type { DocumentAnalysis, Workspace } from './workspace.js';

export function definition(analysis: DocumentAnalysis, offset: number, ws: Workspace): Location | undefined {
  const file = analysis.file;
  const program = analysis.result.program;
  if (!file || !program) return undefined;
  const t = locate(file.ast, offset);
  if (!t) return undefined;
  if (t.kind === 'import') {
    const target = resolveImportPath(t.decl.path, analysis.path);
    if (!program.files.has(target)) return undefined;
    return { uri: ws.uriOf(target), range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } };
  }
  if (t.kind !== 'reference') return undefined;
  const d = resolveReference(program, analysis.path, t.frames, t.ref, t.index);
  const span = d && definitionSpan(d);
  const lines = span && ws.linesOf(span.file, analysis);
  return span && lines ? { uri: ws.uriOf(span.file), range: lines.spanRange(span) } : undefined;
}
