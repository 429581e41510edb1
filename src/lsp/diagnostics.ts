/**
 * Diagnostics while typing: the CLI's diagnostics for a document, as LSP diagnostics. Same codes and
 * messages; the range is the span; notes with a span become related information, the others and the
 * help line are appended to the message. A mistake inside an imported file is shown on the import
 * that brings it in, with the real place as related information.
 */
import { DiagnosticSeverity, type Diagnostic as LspDiagnostic, type DiagnosticRelatedInformation, type Range } from 'vscode-languageserver/node.js';
import type { Diagnostic, Span } from '../diagnostics/diagnostic.js';
import { resolveImportPath, type Program } from '../semantics/resolve.js';
import type { DocumentAnalysis, Workspace } from './workspace.js';

/** `items`: the analysis's own diagnostics, or those of the full check (co-design passes included). */
export function documentDiagnostics(analysis: DocumentAnalysis, ws: Workspace, items: readonly Diagnostic[] = analysis.result.diagnostics.items): LspDiagnostic[] {
  return items.map((d) => toLsp(d, analysis, ws));
}

function toLsp(d: Diagnostic, analysis: DocumentAnalysis, ws: Workspace): LspDiagnostic {
  const related: DiagnosticRelatedInformation[] = [];
  const extra: string[] = [];
  let range: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
  if (d.span && d.span.file === analysis.path) {
    range = analysis.lines.spanRange(d.span);
  } else if (d.span) {
    const via = importLeadingTo(analysis, d.span.file);
    if (via) range = analysis.lines.spanRange(via);
    const where = location(d.span, analysis, ws);
    if (where) related.push({ location: where, message: `${d.message}${d.label ? ` (${d.label})` : ''}` });
  }
  for (const n of d.notes) {
    const where = n.span && location(n.span, analysis, ws);
    if (where) related.push({ location: where, message: n.message });
    else extra.push(`note: ${n.message}`);
  }
  if (d.help) extra.push(`help: ${d.help}`);
  const out: LspDiagnostic = {
    range,
    severity: d.severity === 'error' ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
    code: d.code,
    source: 'kasc',
    message: [d.message, ...extra].join('\n'),
  };
  if (related.length) out.relatedInformation = related;
  return out;
}

function location(span: Span, analysis: DocumentAnalysis, ws: Workspace) {
  const lines = ws.linesOf(span.file, analysis);
  return lines ? { uri: ws.uriOf(span.file), range: lines.spanRange(span) } : undefined;
}

/** The import in the document through which `file` is loaded, directly or by the files it imports. */
function importLeadingTo(analysis: DocumentAnalysis, file: string): Span | undefined {
  const program = analysis.result.program;
  const doc = analysis.file;
  if (!program || !doc) return undefined;
  return doc.ast.imports.find((imp) => reaches(program, resolveImportPath(imp.path, doc.id), file, new Set()))?.pathSpan;
}

function reaches(program: Program, from: string, to: string, seen: Set<string>): boolean {
  if (from === to) return true;
  if (seen.has(from)) return false;
  seen.add(from);
  return (program.files.get(from)?.imports ?? []).some((i) => reaches(program, i, to, seen));
}
