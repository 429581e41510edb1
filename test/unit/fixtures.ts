/**
 * Shared helpers for the unit and property tests: compiling in-memory sources, with imports falling
 * back to the disk (so `import "models/deepseek-v3"` reads the real stdlib).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { compile, type CompileResult } from '../../src/passes/index.js';
import type { FileReader } from '../../src/semantics/resolve.js';

export const ROOT = path.resolve(import.meta.dirname, '../..');

/** A reader that serves `files` (absolute paths) from memory and everything else from disk. */
export function memoryReader(files: Record<string, string>): FileReader {
  return {
    read(abs: string): string | undefined {
      if (Object.prototype.hasOwnProperty.call(files, abs)) return files[abs];
      try {
        return fs.readFileSync(abs, 'utf8');
      } catch {
        return undefined;
      }
    },
  };
}

/** Compiles one in-memory file as the entry, at `/virtual/main.kas` unless a path is given. */
export function compileText(text: string, entry = '/virtual/main.kas', extra: Record<string, string> = {}): CompileResult {
  return compile(entry, memoryReader({ ...extra, [entry]: text }), '/virtual');
}

/** The codes of every diagnostic, in order. */
export function codes(r: CompileResult): string[] {
  return r.diagnostics.items.map((d) => d.code);
}

/** Hardware and a cluster small enough to count by hand, for tests that need a whole deployment. */
export const SMALL_HARDWARE = `
gpu G {
  memory = 80 GB
  bandwidth = 3.35 TB/s
  peak { bf16 = 989 TFLOP/s  fp8 = 1979 TFLOP/s }
}
node N {
  gpus = 8 x G
  scaleup = nvlink { bandwidth = 160 GB/s }
  nics = 8 x ib { bandwidth = 400 Gb/s }
}
cluster C {
  nodes = 4 x N
  network = fat_tree { radix = 64 }
}
`;

/** A small dense GQA model (used by several tests). */
export const TINY_GQA = `
model Tiny {
  vocab = 100
  hidden = 16
  layers = 2
  attention = gqa { heads = 4  kv_heads = 2 }
  ffn = swiglu { intermediate = 32 }
}
`;
