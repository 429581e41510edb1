/**
 * The formatter's promises, checked over every .kas file in the repository and over random mutations
 * of them (whitespace, line breaks and comments changed between tokens) that still parse:
 *
 * - idempotent: fmt(fmt(x)) = fmt(x);
 * - meaning-preserving: x and fmt(x) parse to the same AST (spans left out) and have the same comments.
 *
 * Reproduce a failure with the seed fast-check prints: `FC_SEED=1234 npx vitest run test/property/format`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { formatSource } from '../../src/format/format.js';
import { parseSource } from '../../src/syntax/parse.js';
import { lex } from '../../src/syntax/lexer.js';
import { DiagnosticSink } from '../../src/diagnostics/diagnostic.js';
import type { KasFile } from '../../src/syntax/ast.js';
import { ROOT } from '../unit/fixtures.js';

const SEED = process.env['FC_SEED'] !== undefined ? Number(process.env['FC_SEED']) : 20250611;
const SCALE = process.env['FC_RUNS_SCALE'] !== undefined ? Number(process.env['FC_RUNS_SCALE']) : 1;

function kasFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name.startsWith('.') || e.name === 'dist') continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...kasFiles(p));
    else if (e.isFile() && e.name.endsWith('.kas')) out.push(p);
  }
  return out.sort();
}

const FILES = kasFiles(ROOT).map((f) => ({ name: path.relative(ROOT, f), text: fs.readFileSync(f, 'utf8') }));

function parse(text: string): { ast: KasFile; ok: boolean } {
  const sink = new DiagnosticSink();
  const ast = parseSource(text, 'x.kas', sink);
  return { ast, ok: !sink.hasErrors };
}

/** The tree without positions; written here, apart from the formatter's own check, on purpose. */
function shape(f: KasFile): unknown {
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (v && typeof v === 'object') {
      const o: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) if (k !== 'span' && k !== 'pathSpan' && k !== 'keywordSpan' && k !== 'comments') o[k] = strip(x);
      return o;
    }
    return v;
  };
  return strip(f);
}

/** Comment texts as the formatter promises to keep them. */
const commentTexts = (f: KasFile) => f.comments.map((c) => (c.text.startsWith('//') ? c.text.trimEnd() : c.text.replace(/\r\n?/g, '\n')));

/** Checks both promises for one parseable input. */
function checkFormats(text: string): void {
  const before = parse(text);
  expect(before.ok).toBe(true);
  const once = formatSource(text, 'x.kas');
  expect(once.diagnostics).toEqual([]);
  const twice = formatSource(once.text, 'x.kas');
  expect(twice.diagnostics).toEqual([]);
  expect(twice.text).toBe(once.text);
  expect(twice.changed).toBe(false);
  const after = parse(once.text);
  expect(after.ok).toBe(true);
  expect(shape(after.ast)).toEqual(shape(before.ast));
  expect(commentTexts(after.ast)).toEqual(commentTexts(before.ast));
  // Canonical text: no trailing spaces, no tabs outside comments and strings, one final line break.
  if (once.text) expect(once.text.endsWith('\n') && !once.text.endsWith('\n\n')).toBe(true);
  expect(once.text).not.toMatch(/[ \t]+\n/);
}

describe('every .kas file in the repository', () => {
  const parseable = FILES.filter((f) => parse(f.text).ok);

  test('the corpus is not empty', () => {
    expect(parseable.length).toBeGreaterThanOrEqual(10);
  });

  test.each(parseable.map((f) => f.name))('%s: idempotent, same AST, same comments', (name) => {
    checkFormats(FILES.find((f) => f.name === name)!.text);
  });
});

/** The whitespace between tokens (comments count as tokens) of a text, as [start, end) offsets. */
function gaps(text: string): [number, number][] {
  const { tokens, comments } = lex(text, 'x.kas', new DiagnosticSink());
  const all = [...tokens, ...comments].sort((a, b) => a.startOffset - b.startOffset);
  const out: [number, number][] = [[0, all[0]?.startOffset ?? text.length]];
  for (let i = 0; i < all.length; i++) {
    const end = all[i]!.startOffset + all[i]!.image.length;
    out.push([end, all[i + 1]?.startOffset ?? text.length]);
  }
  return out;
}

const WHITESPACE = ['', ' ', '  ', '\t', '\n', '\n\n', '\n\n\n  ', ' \n\t ', '\r\n'];
const COMMENTS = ['/* m */', '// m\n', '/* a\n   b */', '//\n', '/**/'];

type Mutation = { file: number; edits: { at: number; ws: string; comment: string | null; after: string }[] };

const mutation: fc.Arbitrary<Mutation> = fc.record({
  file: fc.integer({ min: 0, max: FILES.length - 1 }),
  edits: fc.array(
    fc.record({
      at: fc.nat(),
      ws: fc.constantFrom(...WHITESPACE),
      comment: fc.option(fc.constantFrom(...COMMENTS), { freq: 3 }),
      after: fc.constantFrom(...WHITESPACE),
    }),
    { minLength: 1, maxLength: 25 },
  ),
});

function mutate(m: Mutation): string {
  const text = FILES[m.file]!.text;
  const g = gaps(text);
  const chosen = new Map<number, string>();
  for (const e of m.edits) {
    const i = e.at % g.length;
    chosen.set(i, e.ws + (e.comment ? e.comment + e.after : ''));
  }
  let out = text;
  for (const i of [...chosen.keys()].sort((a, b) => b - a)) out = out.slice(0, g[i]![0]) + chosen.get(i)! + out.slice(g[i]![1]);
  return out;
}

describe('random mutations that still parse', () => {
  test('idempotent, same AST, same comments', () => {
    let parsed = 0;
    let tried = 0;
    fc.assert(
      fc.property(mutation, (m) => {
        tried++;
        const text = mutate(m);
        if (!parse(text).ok) return;
        parsed++;
        checkFormats(text);
      }),
      { seed: SEED, numRuns: Math.max(1, Math.round(300 * SCALE)), endOnFailure: true },
    );
    // Most mutations only move whitespace and comments, so most still parse.
    expect(parsed).toBeGreaterThan(tried / 3);
  });
});
