/**
 * Never throw on bad user input (STYLE.md habit 5), checked by fuzzing: random token soup, and random
 * mutations of every .kas file under stdlib/ and examples/. For each input, `compile` must return
 * normally with either an analysis and no errors, or at least one error; every span must lie inside its
 * file's text; rendering the diagnostics must not throw.
 *
 * Reproduce a failure with the seed fast-check prints: `FC_SEED=1234 npx vitest run test/property`.
 * Scale the run with `FC_RUNS_SCALE=10` (multiplies every numRuns).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { compile, type CompileResult } from '../../src/passes/index.js';
import { renderDiagnostics, diagnosticsToJson } from '../../src/diagnostics/render.js';
import type { Span } from '../../src/diagnostics/diagnostic.js';
import { DECLARATION_KEYWORDS, UNIT_NAMES } from '../../src/syntax/tokens.js';
import { memoryReader, ROOT, SMALL_HARDWARE, TINY_GQA } from '../unit/fixtures.js';

const SEED = process.env['FC_SEED'] !== undefined ? Number(process.env['FC_SEED']) : 20250611;
const SCALE = process.env['FC_RUNS_SCALE'] !== undefined ? Number(process.env['FC_RUNS_SCALE']) : 1;
const runs = (n: number) => Math.max(1, Math.round(n * SCALE));
const params = (numRuns: number): fc.Parameters<unknown> => ({ seed: SEED, numRuns: runs(numRuns), endOnFailure: false });

/** Every .kas file under a directory, read at test time (the corpus grows as the stdlib does). */
function kasFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...kasFiles(p));
    else if (e.isFile() && e.name.endsWith('.kas')) out.push(p);
  }
  return out.sort();
}

/** The property: compile returns, is internally consistent, and its diagnostics print. */
function checkCompiles(entry: string, text: string): CompileResult {
  const reader = memoryReader({ [entry]: text });
  const result = compile(entry, reader, path.dirname(entry));
  const items = result.diagnostics.items;
  const errors = items.filter((d) => d.severity === 'error');
  if (errors.length === 0) expect(result.analysis, 'no errors, so there must be an analysis').toBeDefined();
  else expect(result.analysis, 'errors, so there must be no analysis').toBeUndefined();
  const within = (s: Span, what: string) => {
    const src = result.source(s.file);
    expect(src, `${what}: span in a file that was not loaded (${s.file})`).toBeDefined();
    const len = src!.text.length;
    expect(Number.isInteger(s.start) && Number.isInteger(s.end), `${what}: non-integer span ${s.start}..${s.end}`).toBe(true);
    expect(0 <= s.start && s.start <= s.end && s.end <= len, `${what}: span ${s.start}..${s.end} outside 0..${len}`).toBe(true);
  };
  for (const d of items) {
    expect(d.code).toMatch(/^KAS\d{4}$/);
    expect(d.code, `internal error: ${d.message}`).not.toBe('KAS0901');
    if (d.span) within(d.span, `${d.code} ${d.message}`);
    for (const n of d.notes) if (n.span) within(n.span, `note of ${d.code}`);
  }
  const printed = renderDiagnostics(items, result.source);
  if (items.length) expect(printed).toContain(items[0]!.code);
  diagnosticsToJson(items, result.source);
  return result;
}

// ── (a) token soup ──────────────────────────────────────────────────────────

const KEYWORDS = [...Object.keys(DECLARATION_KEYWORDS), 'import', 'const', 'x', 'choose', 'step', 'true', 'false', 'auto'];
const FIELD_NAMES = ['vocab', 'hidden', 'layers', 'attention', 'heads', 'kv_heads', 'ffn', 'intermediate', 'moe', 'routed', 'top_k', 'groups', 'shared', 'expert', 'norm', 'memory', 'bandwidth', 'peak', 'bf16', 'gpus', 'nics', 'scaleup', 'nodes', 'network', 'radix', 'model', 'on', 'parallel', 'sequence', 'batch', 'data', 'mla', 'gqa', 'swiglu', 'gelu', 'nvlink', 'ib', 'fat_tree', 'sigmoid', 'rmsnorm', 'layernorm', 'mtp', 'depth', 'Tiny', 'G', 'N', 'C', 's', 'b', 'ms', 'a'];
const PUNCT = ['{', '}', '[', ']', '(', ')', '=', ',', '..', '.', '+', '-', '*', '/', '#', ';', ':', '@', '"', '/*', '*/', '\\'];

const tokenArb = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...KEYWORDS) },
  { weight: 4, arbitrary: fc.constantFrom(...FIELD_NAMES) },
  { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,6}$/) },
  {
    weight: 3,
    arbitrary: fc.oneof(
      fc.nat({ max: 5000 }).map(String),
      fc.constantFrom('0', '1', '1e308', '1e309', '9'.repeat(400), '1_000', '0.5', '3.35', '2e-3', '1.', '007'),
      fc.tuple(fc.nat(300), fc.nat(300)).map(([a, b]) => `${a}x${b}`),
    ),
  },
  { weight: 2, arbitrary: fc.constantFrom(...UNIT_NAMES) },
  { weight: 4, arbitrary: fc.constantFrom(...PUNCT) },
  { weight: 1, arbitrary: fc.oneof(fc.constantFrom('"models/deepseek-v3"', '"./nope"', '""', '"a\\"b"', '"/abs"', '"../../etc"'), fc.string({ maxLength: 8 }).map((s) => JSON.stringify(s))) },
  { weight: 1, arbitrary: fc.constantFrom('// comment', '/* block */', '/* open', '/** a\n b */') },
  { weight: 1, arbitrary: fc.constantFrom('\t', '\r\n', '\u00a0', 'é', '😀', '\0') },
);
const separatorArb = fc.constantFrom(' ', ' ', ' ', '\n', '', '  ');

const soupArb = fc.array(fc.tuple(tokenArb, separatorArb), { maxLength: 60 }).map((parts) => parts.map(([t, s]) => t + s).join(''));

/** Half the soups start from a plausible prefix, so the fuzzer gets past the first block more often. */
const prefixedSoupArb = fc.tuple(fc.constantFrom('', 'model M {\n', 'gpu G {\n', 'train T {\n model = ', SMALL_HARDWARE + TINY_GQA + 'serve S {\n'), soupArb).map(([p, s]) => p + s);

describe('token soup', () => {
  test('compile never throws on random token sequences', () => {
    fc.assert(
      fc.property(prefixedSoupArb, (text) => {
        const entry = path.join(ROOT, 'test/property/__soup__.kas');
        const first = checkCompiles(entry, text);
        // Same input, same diagnostics: no state leaks from one compile into the next.
        const again = compile(entry, memoryReader({ [entry]: text }), path.dirname(entry));
        expect(renderDiagnostics(again.diagnostics.items, again.source)).toBe(renderDiagnostics(first.diagnostics.items, first.source));
      }),
      params(5000),
    );
  });
});

// ── (b) mutations of real files ─────────────────────────────────────────────

/** Whole programs written here, so the mutations reach every stage even while the stdlib is small. */
const SEEDS: Record<string, string> = {
  'seed-full.kas': `import "models/deepseek-v3"
${SMALL_HARDWARE}
${TINY_GQA}
const SEQ = 4096
model Mini {
  vocab = 1000
  hidden = 64
  layers = 4
  norm = layernorm
  tied_embeddings = true
  attention = mla { heads = 4  q_lora_rank = 32  kv_lora_rank = 16  qk_nope_dim = 8  qk_rope_dim = 4  v_dim = 8 }
  ffn = gelu { intermediate = 256  bias = true }
  moe layers[1.. step 2] {
    routed = 8
    expert = swiglu { intermediate = 32 }
    shared = 1 x swiglu { intermediate = 64 }
    top_k = 2
    router = sigmoid { scale = 2.5 }
    groups = 4 choose 2
    balance = aux_loss { alpha = 0.01 }
  }
  mtp { depth = 1 }
}
train T {
  model = Mini
  on = C
  sequence = SEQ
  batch = 64 * 2
  precision = fp8 { activations = 1x128 }
  parallel { pipeline = 2  expert = 8  data = auto }
  routing { max_nodes = 1 }
}
serve S {
  model = DeepSeekV3
  on = C
  context = 32 * 1024
  kv_cache = fp8
  parallel { expert = 32 }
}
`,
};

const identArb = fc.constantFrom('x', 'choose', 'step', '{', '}', '=', '..', '.', '[', ']', '(', ')', '8', '0', '-1', 'GB', 'TB/s', '"', '//', '/*', 'auto', 'model', 'hidden', 'heads', 'Tiny', 'C', ' ', '\n', '#', '*', '/', '+', '1x1');

type Mutation =
  | { op: 'delete'; at: number; len: number }
  | { op: 'duplicate'; at: number; len: number }
  | { op: 'swap'; a: number; b: number; len: number }
  | { op: 'insert'; at: number; text: string }
  | { op: 'truncate'; at: number }
  | { op: 'deleteToken'; at: number }
  | { op: 'duplicateToken'; at: number }
  | { op: 'swapTokens'; a: number; b: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ op: fc.constant('duplicate' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ op: fc.constant('swap' as const), a: fc.nat(), b: fc.nat(), len: fc.integer({ min: 1, max: 6 }) }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), text: fc.oneof(identArb, fc.string({ maxLength: 3 })) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('deleteToken' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('duplicateToken' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('swapTokens' as const), a: fc.nat(), b: fc.nat() }),
);

/** Word-ish tokens: runs of word characters, runs of spaces, or single other characters. */
function tokenize(text: string): string[] {
  return text.match(/[A-Za-z0-9_.$%/]+|\s+|[^\sA-Za-z0-9_.$%/]/g) ?? [];
}

function applyMutation(text: string, m: Mutation): string {
  const n = text.length;
  switch (m.op) {
    case 'delete': {
      const at = n ? m.at % n : 0;
      return text.slice(0, at) + text.slice(at + m.len);
    }
    case 'duplicate': {
      const at = n ? m.at % n : 0;
      return text.slice(0, at + m.len) + text.slice(at, at + m.len) + text.slice(at + m.len);
    }
    case 'swap': {
      if (n < 2) return text;
      let a = m.a % n;
      let b = m.b % n;
      if (a > b) [a, b] = [b, a];
      const len = Math.min(m.len, b - a);
      if (len <= 0) return text;
      return text.slice(0, a) + text.slice(b, b + len) + text.slice(a + len, b) + text.slice(a, a + len) + text.slice(b + len);
    }
    case 'insert': {
      const at = m.at % (n + 1);
      return text.slice(0, at) + m.text + text.slice(at);
    }
    case 'truncate':
      return text.slice(0, m.at % (n + 1));
    case 'deleteToken':
    case 'duplicateToken': {
      const toks = tokenize(text);
      if (!toks.length) return text;
      const i = m.at % toks.length;
      if (m.op === 'deleteToken') toks.splice(i, 1);
      else toks.splice(i, 0, toks[i]!);
      return toks.join('');
    }
    case 'swapTokens': {
      const toks = tokenize(text);
      if (toks.length < 2) return text;
      const a = m.a % toks.length;
      const b = m.b % toks.length;
      [toks[a], toks[b]] = [toks[b]!, toks[a]!];
      return toks.join('');
    }
  }
}

const diskFiles = [...kasFiles(path.join(ROOT, 'stdlib')), ...kasFiles(path.join(ROOT, 'examples'))];
const corpus: { entry: string; text: string }[] = [
  ...diskFiles.map((f) => ({ entry: f, text: fs.readFileSync(f, 'utf8') })),
  ...Object.entries(SEEDS).map(([name, text]) => ({ entry: path.join(ROOT, 'test/property', name), text })),
];

/** Mutation runs in total, spread over the corpus (at least 50 per file): with the soup, over 10,000 cases. */
const MUTATION_RUNS = 8000;

describe('mutations of stdlib/ and examples/', () => {
  test('the corpus is not empty', () => {
    expect(diskFiles.length).toBeGreaterThan(0);
  });

  test.each(corpus.map((c) => [path.relative(ROOT, c.entry), c] as const))('%s: compile never throws on mutated text', (_name, c) => {
    // The unmutated file must compile cleanly (or at least without throwing) too.
    checkCompiles(c.entry, c.text);
    const perFile = Math.max(50, Math.ceil(MUTATION_RUNS / corpus.length));
    fc.assert(
      fc.property(fc.array(mutationArb, { minLength: 1, maxLength: 4 }), (ms) => {
        const text = ms.reduce(applyMutation, c.text);
        checkCompiles(c.entry, text);
      }),
      params(perFile),
    );
  });
});
