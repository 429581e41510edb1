/**
 * Offsets ↔ LSP positions, and file paths ↔ URIs. Spans are UTF-16 offsets into a file's text, the
 * same unit LSP positions count in, so converting is line arithmetic only.
 */
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Position, Range } from 'vscode-languageserver/node.js';
import type { Span } from '../diagnostics/diagnostic.js';

/** Line starts of one text, computed once. */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.starts.push(i + 1);
  }

  position(offset: number): Position {
    const o = Math.max(0, Math.min(offset, this.text.length));
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= o) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: o - this.starts[lo]! };
  }

  offset(p: Position): number {
    if (p.line >= this.starts.length) return this.text.length;
    const start = this.starts[Math.max(0, p.line)]!;
    const end = p.line + 1 < this.starts.length ? this.starts[p.line + 1]! - 1 : this.text.length;
    return Math.min(start + Math.max(0, p.character), end);
  }

  range(start: number, end: number): Range {
    return { start: this.position(start), end: this.position(end) };
  }

  spanRange(span: Span): Range {
    return this.range(span.start, span.end);
  }
}

/** The file path a URI names; for a buffer never saved (`untitled:`), a path in `root` named after it. */
export function uriToPath(uri: string, root: string): string {
  if (uri.startsWith('file:')) return fileURLToPath(uri);
  const name = uri.replace(/^[a-z-]+:/i, '').replace(/[^A-Za-z0-9_.-]/g, '_') || 'untitled';
  return path.join(root, name.endsWith('.kas') ? name : name + '.kas');
}

export function pathToUri(file: string): string {
  return pathToFileURL(file).href;
}
