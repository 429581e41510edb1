/**
 * Language-service tests take source text with cursor markers: `|` marks the cursor (the language
 * never uses `|`). Files are open buffers of a Workspace, so nothing is written to disk; they live in
 * a folder under test/lsp/ that does not exist, and may import the stdlib and each other.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Workspace, type DocumentAnalysis } from '../../src/lsp/workspace.js';
import { pathToUri } from '../../src/lsp/position.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const DIR = path.join(ROOT, 'test', 'lsp', 'virtual');

/** The text without its markers, and the offset of each marker in that text. */
export function cursors(marked: string): { text: string; offsets: number[] } {
  const offsets: number[] = [];
  let text = '';
  marked.split('|').forEach((part, i) => {
    if (i > 0) offsets.push(text.length);
    text += part;
  });
  return { text, offsets };
}

export function uriOf(name: string): string {
  return pathToUri(path.join(DIR, name));
}

/** Opens `files` (name → marked text) as buffers and analyzes `entry`; returns the cursor offsets of `entry`. */
export function open(files: Record<string, string>, entry = Object.keys(files)[0]!): { ws: Workspace; analysis: DocumentAnalysis; at: number[] } {
  const ws = new Workspace(ROOT);
  let at: number[] = [];
  for (const [name, marked] of Object.entries(files)) {
    const { text, offsets } = cursors(marked);
    ws.setBuffer(uriOf(name), text, 1);
    if (name === entry) at = offsets;
  }
  return { ws, analysis: ws.analyze(uriOf(entry)), at };
}
