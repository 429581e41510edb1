/**
 * The background half of diagnostics, in a worker thread: the whole pipeline, co-design passes
 * included, on a document and the open buffers it may import. Runs off the server's thread so that
 * hover and completion stay instant while the passes simulate routing and balancing.
 */
import * as fs from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { compile } from '../passes/index.js';
import type { FullCheckRequest, FullCheckResponse } from './full-check.js';

parentPort!.on('message', (req: FullCheckRequest) => {
  const buffers = new Map(Object.entries(req.buffers));
  const reader = {
    read(p: string) {
      const open = buffers.get(p);
      if (open !== undefined) return open;
      try {
        return fs.readFileSync(p, 'utf8');
      } catch {
        return undefined;
      }
    },
  };
  let res: FullCheckResponse;
  try {
    res = { id: req.id, diagnostics: compile(req.entry, reader, req.root).diagnostics.items };
  } catch (e) {
    res = { id: req.id, diagnostics: [], error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
  }
  parentPort!.postMessage(res);
});
