/**
 * Golden files: every `test/golden/**\/*.kas` is compiled and its output compared with sibling files a
 * reviewer can read.
 *
 *   test/golden/errors/**  must not compile: the rendered diagnostics are `<name>.errors.txt`
 *   everything else        must compile:     `<name>.report.md`, `<name>.report.json`, and
 *                                            `<name>.warnings.txt` when it has warnings
 *
 * Files under a folder whose name starts with `_` (`_support/`) are helpers that goldens import; they
 * are not goldens themselves.
 *
 * `UPDATE_GOLDEN=1 npx vitest run test/golden.test.ts` rewrites the siblings. Without it a missing or
 * different sibling fails the test and nothing is written; with `CI` set nothing is ever written, so a
 * golden that was never committed fails there.
 */
import { describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile } from '../src/passes/index.js';
import { renderDiagnostics } from '../src/diagnostics/render.js';
import { renderReportJson } from '../src/emit/report/json.js';
import { renderReportMarkdown } from '../src/emit/report/markdown.js';
import type { FileReader } from '../src/semantics/resolve.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const GOLDEN_DIR = path.join(ROOT, 'test', 'golden');
const UPDATE = process.env['UPDATE_GOLDEN'] === '1' && !process.env['CI'];

const reader: FileReader = {
  read(p) {
    try {
      return fs.readFileSync(p, 'utf8');
    } catch {
      return undefined;
    }
  },
};

/** Every golden input, as a `/`-separated path relative to the repository root, in a stable order. */
function goldenInputs(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (e.name.startsWith('_')) continue;
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.name.endsWith('.kas')) out.push(path.relative(ROOT, full).split(path.sep).join('/'));
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out;
}

const SIBLING_KINDS = ['.errors.txt', '.report.md', '.report.json', '.warnings.txt'] as const;
type SiblingKind = (typeof SIBLING_KINDS)[number];

function sibling(input: string, kind: SiblingKind): string {
  return path.join(ROOT, input.replace(/\.kas$/, kind));
}

/** Compares `actual` with the golden sibling, or rewrites the sibling under UPDATE_GOLDEN=1. */
function expectGolden(input: string, kind: SiblingKind, actual: string): void {
  const file = sibling(input, kind);
  const shown = path.relative(ROOT, file).split(path.sep).join('/');
  if (UPDATE) {
    if (!fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== actual) fs.writeFileSync(file, actual);
    return;
  }
  if (!fs.existsSync(file)) {
    expect.fail(`missing golden ${shown}: run \`UPDATE_GOLDEN=1 npx vitest run test/golden.test.ts\`, read it, and commit it`);
  }
  expect(actual, `${shown} differs; if the change is intended, rerun with UPDATE_GOLDEN=1 and review the diff`).toBe(fs.readFileSync(file, 'utf8'));
}

/** A sibling of a kind this input does not produce is stale: a golden that no longer says anything. */
function expectNoStale(input: string, produced: readonly SiblingKind[]): void {
  for (const kind of SIBLING_KINDS) {
    if (produced.includes(kind)) continue;
    const file = sibling(input, kind);
    if (!fs.existsSync(file)) continue;
    if (UPDATE) fs.rmSync(file);
    else expect.fail(`stale golden ${path.relative(ROOT, file)}: ${input} no longer produces it (UPDATE_GOLDEN=1 removes it)`);
  }
}

const inputs = goldenInputs(GOLDEN_DIR);

describe('golden files', () => {
  it('finds golden inputs', () => {
    expect(inputs.filter((f) => f.startsWith('test/golden/errors/')).length).toBeGreaterThanOrEqual(30);
    expect(inputs.filter((f) => !f.startsWith('test/golden/errors/')).length).toBeGreaterThanOrEqual(4);
  });

  for (const input of inputs) {
    const expectErrors = input.startsWith('test/golden/errors/');
    it(input, () => {
      const r = compile(input, reader, ROOT);
      const items = r.diagnostics.items;
      if (expectErrors) {
        expect(r.diagnostics.errorCount, `${input} is an error golden but compiles without errors`).toBeGreaterThan(0);
        expectGolden(input, '.errors.txt', renderDiagnostics(items, r.source));
        expectNoStale(input, ['.errors.txt']);
        return;
      }
      const errors = items.filter((d) => d.severity === 'error');
      expect(errors.length, `${input} should compile, but:\n${renderDiagnostics(errors, r.source)}`).toBe(0);
      expect(r.analysis).toBeDefined();
      const produced: SiblingKind[] = ['.report.md', '.report.json'];
      expectGolden(input, '.report.md', renderReportMarkdown(r.analysis!, input));
      expectGolden(input, '.report.json', renderReportJson(r.analysis!, input));
      if (items.length) {
        produced.push('.warnings.txt');
        expectGolden(input, '.warnings.txt', renderDiagnostics(items, r.source));
      }
      expectNoStale(input, produced);
    });
  }
});
