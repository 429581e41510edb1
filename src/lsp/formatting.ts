/**
 * Formatting: the document in `kasc fmt`'s canonical layout, as one edit over the whole text. A file
 * with syntax errors is left as it is (the formatter says so through its diagnostics, which the
 * diagnostics service already shows).
 */
import type { TextEdit } from 'vscode-languageserver/node.js';
import { formatSource } from '../format/format.js';
import type { LineIndex } from './position.js';

export function formatDocument(text: string, file: string, lines: LineIndex): TextEdit[] {
  const r = formatSource(text, file);
  if (!r.changed || r.diagnostics.length) return [];
  return [{ range: lines.range(0, text.length), newText: r.text }];
}
