/**
 * The server's view of the files: open editor buffers over the disk. Every service asks it for a
 * document's analysis — the pipeline run with the document as entry, up to the cost model but without
 * the co-design passes (those run in the background, src/lsp/full-check.ts) — which is cached until
 * any open buffer or watched file changes (an edit in one file can change what another one means).
 */
import * as fs from 'node:fs';
import { compile, type CompileResult } from '../passes/index.js';
import type { FileReader, LoadedFile } from '../semantics/resolve.js';
import { LineIndex, pathToUri, uriToPath } from './position.js';

interface OpenBuffer {
  readonly uri: string;
  readonly text: string;
  readonly version: number;
}

/** One document, compiled: what every language service works from. */
export interface DocumentAnalysis {
  readonly uri: string;
  readonly path: string;
  readonly text: string;
  readonly lines: LineIndex;
  readonly result: CompileResult;
  /** The document as loaded (its AST and scope); absent only when it could not be read. */
  readonly file: LoadedFile | undefined;
}

export class Workspace {
  private readonly open = new Map<string, OpenBuffer>();
  private readonly cache = new Map<string, DocumentAnalysis>();
  private readonly lineIndexes = new Map<string, LineIndex>();
  /** Counts changes: a background result computed at an older generation is stale. */
  generation = 0;

  /** `root` is where diagnostics' paths are shown relative to, and where unsaved buffers live. */
  constructor(readonly root: string = process.cwd()) {}

  /** Reads open buffers first, then the disk. */
  readonly reader: FileReader = {
    read: (abs) => {
      const open = this.open.get(abs);
      if (open) return open.text;
      try {
        return fs.readFileSync(abs, 'utf8');
      } catch {
        return undefined;
      }
    },
  };

  pathOf(uri: string): string {
    return uriToPath(uri, this.root);
  }

  /** The URI to show for a file: the open buffer's own (which may be `untitled:`), else a file URI. */
  uriOf(file: string): string {
    return this.open.get(file)?.uri ?? pathToUri(file);
  }

  setBuffer(uri: string, text: string, version: number): void {
    this.open.set(this.pathOf(uri), { uri, text, version });
    this.invalidate();
  }

  closeBuffer(uri: string): void {
    this.open.delete(this.pathOf(uri));
    this.invalidate();
  }

  /** The open buffers' texts by path, for a check that runs elsewhere. */
  buffers(): Record<string, string> {
    return Object.fromEntries([...this.open].map(([p, b]) => [p, b.text]));
  }

  /** Paths of the open buffers. */
  openPaths(): string[] {
    return [...this.open.keys()];
  }

  /** Something changed that any analysis may depend on. */
  invalidate(): void {
    this.generation++;
    this.cache.clear();
    this.lineIndexes.clear();
  }

  analyze(uri: string): DocumentAnalysis {
    const cached = this.cache.get(uri);
    if (cached) return cached;
    const file = this.pathOf(uri);
    const text = this.reader.read(file) ?? '';
    const result = compile(file, this.reader, this.root, { passes: false });
    const analysis: DocumentAnalysis = { uri, path: file, text, lines: this.lines(file, text), result, file: result.program?.files.get(file) };
    this.cache.set(uri, analysis);
    return analysis;
  }

  /** Line index of any file the analyses refer to (imports included), for turning spans into ranges. */
  linesOf(file: string, analysis?: DocumentAnalysis): LineIndex | undefined {
    const text = analysis?.result.program?.files.get(file)?.source.text ?? this.reader.read(file);
    return text === undefined ? undefined : this.lines(file, text);
  }

  private lines(file: string, text: string): LineIndex {
    const known = this.lineIndexes.get(file);
    if (known && known.text === text) return known;
    const made = new LineIndex(text);
    this.lineIndexes.set(file, made);
    return made;
  }
}
