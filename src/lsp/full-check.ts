/**
 * Runs the whole pipeline, co-design passes included, in a worker thread (full-check-worker.ts), one
 * document at a time. The server checks as you type without the passes, and asks this for the rest
 * when typing pauses.
 */
import { Worker } from 'node:worker_threads';
import type { Diagnostic } from '../diagnostics/diagnostic.js';

export interface FullCheckRequest {
  readonly id: number;
  readonly entry: string;
  readonly root: string;
  /** Open buffers by path: they override the disk. */
  readonly buffers: Record<string, string>;
}

export interface FullCheckResponse {
  readonly id: number;
  readonly diagnostics: Diagnostic[];
  /** An internal error in the compiler, with its trace. */
  readonly error?: string;
}

export class FullChecker {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, (r: FullCheckResponse) => void>();

  check(entry: string, root: string, buffers: Record<string, string>): Promise<FullCheckResponse> {
    const worker = this.start();
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      worker.postMessage({ id, entry, root, buffers } satisfies FullCheckRequest);
    });
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(new URL('./full-check-worker.js', import.meta.url));
    w.unref();
    w.on('message', (r: FullCheckResponse) => {
      this.pending.get(r.id)?.(r);
      this.pending.delete(r.id);
    });
    const fail = (why: string) => {
      for (const resolve of this.pending.values()) resolve({ id: 0, diagnostics: [], error: why });
      this.pending.clear();
      this.worker = undefined;
    };
    w.on('error', (e) => fail(e.stack ?? e.message));
    w.on('exit', (code) => fail(`the full-check worker exited with code ${code}`));
    this.worker = w;
    return w;
  }
}
