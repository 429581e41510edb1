/**
 * Reading expert loads: JSON `[[load per expert] per layer]` (the shape of EPLB's weight tensor) or CSV
 * (one layer per line, loads separated by commas; blank lines and lines starting with `#` skipped).
 * Returns the matrix or a message saying what is wrong and where; never throws.
 */
import { checkLoads } from './validate.js';

export type LoadsResult = { readonly ok: true; readonly loads: number[][] } | { readonly ok: false; readonly message: string; readonly help: string };

/** Parses loads text; `name` (a file name) decides JSON vs CSV by extension, else by the first character. */
export function parseLoads(text: string, name = ''): LoadsResult {
  const json = /\.json$/i.test(name) || (!/\.csv$/i.test(name) && /^\s*\[/.test(text));
  let loads: number[][];
  if (json) {
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch (e) {
      return { ok: false, message: `the loads are not valid JSON: ${(e as Error).message}`, help: 'write `[[load per expert] per layer]`, e.g. `[[90, 132, 40], [20, 107, 104]]`' };
    }
    if (!Array.isArray(v) || !v.every((row) => Array.isArray(row))) {
      return { ok: false, message: 'the JSON loads must be an array of arrays (one per layer)', help: 'write `[[load per expert] per layer]`; a single layer is `[[…]]`' };
    }
    for (let l = 0; l < v.length; l++) {
      const bad = (v[l] as unknown[]).findIndex((x) => typeof x !== 'number');
      if (bad >= 0) return { ok: false, message: `layer ${l}, expert ${bad}: ${JSON.stringify((v[l] as unknown[])[bad])} is not a number`, help: 'loads are plain numbers (token counts)' };
    }
    loads = v as number[][];
  } else {
    loads = [];
    const lines = text.split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!.trim();
      if (line === '' || line.startsWith('#')) continue;
      const cells = line.split(/[,;\t]/).map((c) => c.trim());
      const row: number[] = [];
      for (let j = 0; j < cells.length; j++) {
        const x = Number(cells[j]);
        if (cells[j] === '' || !Number.isFinite(x)) {
          return { ok: false, message: `line ${i + 1}, column ${j + 1}: \`${cells[j]}\` is not a number`, help: 'CSV loads: one layer per line, numbers separated by commas' };
        }
        row.push(x);
      }
      loads.push(row);
    }
  }
  const problem = checkLoads(loads);
  return problem ? { ok: false, message: problem.message, help: problem.help } : { ok: true, loads };
}
