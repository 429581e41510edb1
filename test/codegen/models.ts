/** Compiles the examples and stdlib models once for the codegen tests. */
import * as path from 'node:path';
import { compile } from '../../src/passes/index.js';
import { diskReader } from '../../src/cli/shared.js';
import type { ModelIR } from '../../src/ir/model.js';

export const ROOT = path.resolve(import.meta.dirname, '../..');

export function modelsOf(file: string): ModelIR[] {
  const r = compile(path.join(ROOT, file), diskReader, ROOT);
  if (r.diagnostics.hasErrors || !r.ir) throw new Error(`${file} does not compile`);
  return [...r.ir.models];
}

export function tinyMoe(): ModelIR {
  return modelsOf('examples/tiny-moe.kas').find((m) => m.name === 'TinyMoE')!;
}
