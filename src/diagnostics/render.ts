/**
 * Prints diagnostics the way rustc does: a header with the code, `--> file:line:col`, the source
 * lines with carets under the span, then notes and a help line.
 */
import type { Diagnostic } from './diagnostic.js';
import type { SourceFile } from '../syntax/source.js';

export interface Style {
  error(s: string): string;
  warning(s: string): string;
  bold(s: string): string;
  dim(s: string): string;
  help(s: string): string;
}

export const PLAIN: Style = { error: (s) => s, warning: (s) => s, bold: (s) => s, dim: (s) => s, help: (s) => s };

export type SourceLookup = (file: string) => SourceFile | undefined;

export function location(d: Diagnostic, sources: SourceLookup): string | undefined {
  if (!d.span) return undefined;
  const src = sources(d.span.file);
  if (!src) return d.span.file;
  const { line, column } = src.position(d.span.start);
  return `${src.path}:${line}:${column}`;
}

export function renderDiagnostic(d: Diagnostic, sources: SourceLookup, style: Style = PLAIN): string {
  const color = d.severity === 'error' ? style.error : style.warning;
  const out: string[] = [color(style.bold(`${d.severity}[${d.code}]`)) + style.bold(`: ${d.message}`)];
  const src = d.span ? sources(d.span.file) : undefined;
  // One gutter width for the frame, the notes and the help, so their `|` and `=` line up.
  const gutter = d.span && src ? String(src.position(Math.max(d.span.start, d.span.end - 1)).line).length : 0;
  if (d.span && src) {
    const start = src.position(d.span.start);
    const end = src.position(Math.max(d.span.start, d.span.end - 1));
    const pad = ' '.repeat(gutter);
    out.push(`${pad}${style.dim('-->')} ${src.path}:${start.line}:${start.column}`);
    out.push(`${pad} ${style.dim('|')}`);
    const lastLine = Math.min(end.line, start.line + 3);
    for (let line = start.line; line <= lastLine; line++) {
      const text = src.lineText(line).replace(/\t/g, ' ');
      out.push(`${style.dim(String(line).padStart(gutter) + ' |')} ${text}`);
      const from = line === start.line ? start.column - 1 : text.search(/\S|$/);
      const to = line === end.line ? Math.max(end.column, from + 1) : Math.max(text.length, from + 1);
      const carets = ' '.repeat(from) + '^'.repeat(Math.max(1, to - from));
      const label = line === lastLine && d.label ? ' ' + d.label : '';
      out.push(`${pad} ${style.dim('|')} ${color(carets + label)}`);
    }
  } else if (d.span) {
    out.push(` --> ${d.span.file}`);
  }
  for (const note of d.notes) {
    const where = note.span ? sources(note.span.file) : undefined;
    const at = where && note.span ? ` (${where.path}:${where.position(note.span.start).line}:${where.position(note.span.start).column})` : '';
    out.push(`${' '.repeat(gutter)} = note: ${note.message}${at}`);
  }
  if (d.help) out.push(`${' '.repeat(gutter)} = ${style.help('help')}: ${d.help}`);
  return out.join('\n');
}

export function renderDiagnostics(ds: readonly Diagnostic[], sources: SourceLookup, style: Style = PLAIN): string {
  if (ds.length === 0) return '';
  const errors = ds.filter((d) => d.severity === 'error').length;
  const warnings = ds.length - errors;
  const parts = ds.map((d) => renderDiagnostic(d, sources, style));
  const summary: string[] = [];
  if (errors) summary.push(`${errors} error${errors === 1 ? '' : 's'}`);
  if (warnings) summary.push(`${warnings} warning${warnings === 1 ? '' : 's'}`);
  return parts.join('\n\n') + '\n\n' + style.bold(summary.join(', ') + ' emitted') + '\n';
}

/** Diagnostics as JSON objects with resolved positions, for `--format json` and editors. */
export function diagnosticsToJson(ds: readonly Diagnostic[], sources: SourceLookup): unknown[] {
  return ds.map((d) => {
    const src = d.span ? sources(d.span.file) : undefined;
    const pos = (o: number) => (src ? src.position(o) : undefined);
    return {
      code: d.code,
      severity: d.severity,
      message: d.message,
      ...(d.span
        ? { file: src?.path ?? d.span.file, start: { offset: d.span.start, ...pos(d.span.start) }, end: { offset: d.span.end, ...pos(d.span.end) } }
        : {}),
      ...(d.label ? { label: d.label } : {}),
      notes: d.notes.map((n) => n.message),
      ...(d.help ? { help: d.help } : {}),
    };
  });
}
