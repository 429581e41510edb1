/**
 * The committed TextMate grammar (grammar/kas.tmLanguage.json), run by VS Code's own engine
 * (vscode-textmate + vscode-oniguruma): a hand-written sample gets the intended scopes; on every stdlib
 * and example file each token of the real lexer gets the scope of its kind; and one snapshot per file
 * (test/unit/__snapshots__/textmate/) records every scope. Update the snapshots with `npx vitest run -u`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { beforeAll, describe, expect, test } from 'vitest';
import vsctm from 'vscode-textmate';
import oniguruma from 'vscode-oniguruma';
import { lex } from '../../src/syntax/lexer.js';
import { DiagnosticSink } from '../../src/diagnostics/diagnostic.js';
import * as T from '../../src/syntax/tokens.js';
import { ROOT } from './fixtures.js';

interface ScopedToken {
  readonly start: number;
  readonly end: number;
  readonly text: string;
  readonly scopes: readonly string[];
}

let grammar: vsctm.IGrammar;

beforeAll(async () => {
  const require = createRequire(import.meta.url);
  const wasm = fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns: string[]) => new oniguruma.OnigScanner(patterns),
      createOnigString: (s: string) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scope: string) => {
      if (scope !== 'source.kas') return null;
      const file = path.join(ROOT, 'grammar', 'kas.tmLanguage.json');
      return vsctm.parseRawGrammar(fs.readFileSync(file, 'utf8'), file);
    },
  });
  const g = await registry.loadGrammar('source.kas');
  if (!g) throw new Error('grammar/kas.tmLanguage.json did not load');
  grammar = g;
});

/** Every token of a text with its absolute offsets and its scopes (the root `source.kas` left out). */
function tokenize(text: string): ScopedToken[] {
  const out: ScopedToken[] = [];
  let stack = vsctm.INITIAL;
  let offset = 0;
  for (const line of text.split('\n')) {
    const r = grammar.tokenizeLine(line, stack);
    for (const t of r.tokens) {
      const end = Math.min(t.endIndex, line.length);
      if (end <= t.startIndex) continue;
      out.push({ start: offset + t.startIndex, end: offset + end, text: line.slice(t.startIndex, end), scopes: t.scopes.slice(1) });
    }
    stack = r.ruleStack;
    offset += line.length + 1;
  }
  return out;
}

/** The innermost scope at an offset ('' when none). */
function scopeAt(toks: readonly ScopedToken[], offset: number): string {
  const t = toks.find((x) => x.start <= offset && offset < x.end);
  return t?.scopes.at(-1) ?? '';
}

/** The innermost scope of the first occurrence of `needle` (after `after`) in the text. */
function scopeOf(text: string, toks: readonly ScopedToken[], needle: string, after = ''): string {
  const from = after ? text.indexOf(after) + after.length : 0;
  const at = text.indexOf(needle, from);
  if (at < 0) throw new Error(`${needle} not in sample`);
  return scopeAt(toks, at);
}

describe('scopes of a hand-written sample', () => {
  const sample = [
    'import "hardware/h800"   // the H800 and its node',
    'const H = 2 * 64',
    '/* a block',
    '   comment */',
    'model Tiny {',
    '  hidden = H',
    '  attention = mla { heads = 4  kv_lora_rank = 32 }',
    '  moe layers[1.. step 2] {',
    '    groups = 8 choose 4',
    '    shared = 1 x swiglu { intermediate = 64 }',
    '  }',
    '}',
    'gpu G {',
    '  memory = 80 GB',
    '  bandwidth = 3.35 TB/s',
    '  peak { fp8 = 1979 TFLOP/s }',
    '}',
    'train Run {',
    '  model = Tiny',
    '  sequence = model.context',
    '  precision = fp8 { activations = 1x128 }',
    '  tied = true',
    '}',
    'const s = 5',
    'const t = s * 2',
  ].join('\n');
  let toks: ScopedToken[];
  beforeAll(() => {
    toks = tokenize(sample);
  });
  const at = (needle: string, after = '') => scopeOf(sample, toks, needle, after);

  test('keywords', () => {
    expect(at('import')).toBe('keyword.control.import.kas');
    expect(at('const')).toBe('storage.type.const.kas');
    expect(at('model')).toBe('storage.type.model.kas');
    expect(at('gpu')).toBe('storage.type.gpu.kas');
    expect(at('train')).toBe('storage.type.train.kas');
    expect(at('choose')).toBe('keyword.operator.choose.kas');
    expect(at('x swiglu')).toBe('keyword.operator.x.kas');
    expect(at('step')).toBe('keyword.operator.step.kas');
    expect(at('true')).toBe('constant.language.boolean.kas');
  });

  test('declared names, blocks, selectors and options', () => {
    expect(at('Tiny')).toBe('entity.name.type.model.kas');
    expect(at('G {')).toBe('entity.name.type.gpu.kas');
    expect(at('moe')).toBe('entity.name.tag.block.kas');
    expect(at('layers')).toBe('variable.language.selector.kas');
    expect(at('peak')).toBe('entity.name.tag.block.kas');
    expect(at('mla')).toBe('support.constant.option.kas');
    expect(at('swiglu')).toBe('support.constant.option.kas');
  });

  test('numbers, and a unit after its number', () => {
    expect(at('64')).toBe('constant.numeric.kas');
    expect(at('80', 'memory = ')).toBe('constant.numeric.kas');
    expect(at('GB')).toBe('keyword.other.unit.kas');
    expect(at('3.35')).toBe('constant.numeric.kas');
    expect(at('TB/s')).toBe('keyword.other.unit.kas');
    expect(at('TFLOP/s')).toBe('keyword.other.unit.kas');
    expect(at('1x128')).toBe('constant.numeric.shape.kas');
    // A unit spelling that is not after a number is a name (`const s = 5`, `s * 2`).
    expect(at('s', 'const ')).toBe('variable.other.property.kas');
    expect(at('s', 'const t = ')).toBe('variable.other.kas');
  });

  test('comments and strings', () => {
    expect(at('// the H800')).toBe('punctuation.definition.comment.kas');
    expect(at('the H800')).toBe('comment.line.double-slash.kas');
    expect(at('a block')).toBe('comment.block.kas');
    expect(at('comment */')).toBe('comment.block.kas');
    expect(at('hardware/h800')).toBe('string.quoted.double.kas');
  });

  test('field names, keywords used as fields, references', () => {
    expect(at('hidden')).toBe('variable.other.property.kas');
    expect(at('heads')).toBe('variable.other.property.kas');
    expect(at('intermediate')).toBe('variable.other.property.kas');
    expect(at('fp8', 'peak { ')).toBe('variable.other.property.kas');
    expect(at('model', 'train Run {\n  ')).toBe('variable.other.property.kas');
    expect(at('model', 'sequence = ')).toBe('variable.other.kas');
    expect(at('context')).toBe('variable.other.kas');
    expect(at('H', 'hidden = ')).toBe('variable.other.kas');
  });

  test('operators and punctuation', () => {
    expect(at('=')).toBe('keyword.operator.assignment.kas');
    expect(at('*')).toBe('keyword.operator.arithmetic.kas');
    expect(at('..')).toBe('keyword.operator.range.kas');
    expect(at('.context')).toBe('punctuation.accessor.kas');
    expect(at('{')).toBe('punctuation.section.block.begin.kas');
    expect(at('[1')).toBe('punctuation.section.brackets.begin.kas');
  });
});

/** Every .kas file of the standard library and the examples. */
function corpus(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.kas')) out.push(path.relative(ROOT, p).split(path.sep).join('/'));
    }
  };
  walk(path.join(ROOT, 'stdlib'));
  walk(path.join(ROOT, 'examples'));
  return out.sort();
}

/** The scope a lexer token must get; `next` is the token after it. */
function expectedScope(t: { tokenType: unknown; image: string }, next: { tokenType: unknown } | undefined): RegExp {
  const beforeEquals = next?.tokenType === T.Equals;
  switch (t.tokenType) {
    case T.LineComment:
    case T.BlockComment:
      return /^(comment\.|punctuation\.definition\.comment)/;
    case T.StringLiteral:
      return /^(string\.|punctuation\.definition\.string)/;
    case T.NumberLiteral:
      return /^constant\.numeric\.kas$/;
    case T.ShapeLiteral:
      return /^constant\.numeric\.shape\.kas$/;
    case T.Unit:
      return /^keyword\.other\.unit\.kas$/;
    case T.Identifier:
      return beforeEquals ? /^variable\.other\.(property|constant)\.kas$/ : /^(variable\.|entity\.name\.|support\.constant\.option)/;
    case T.Equals:
      return /^keyword\.operator\.assignment\.kas$/;
    case T.Import:
      return /^keyword\.control\.import\.kas$/;
    default:
      if (T.KEYWORD_TOKENS.includes(t.tokenType as never)) {
        if (beforeEquals) return /^variable\.other\.property\.kas$/;
        if (next?.tokenType === T.Dot) return /^(storage\.type|variable\.)/;
        return /^(storage\.type|keyword\.|constant\.language)/;
      }
      return /^(punctuation\.|keyword\.operator\.)/;
  }
}

describe.each(corpus())('%s', (file) => {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8');

  test('every lexer token gets the scope of its kind', () => {
    const toks = tokenize(text);
    const lexed = lex(text, file, new DiagnosticSink());
    const all = [...lexed.tokens, ...lexed.comments].sort((a, b) => a.startOffset - b.startOffset);
    const mismatches: string[] = [];
    lexed.tokens.forEach((t, i) => {
      const want = expectedScope(t, lexed.tokens[i + 1]);
      for (let o = t.startOffset; o < t.startOffset + t.image.length; o++) {
        const got = scopeAt(toks, o);
        if (!want.test(got)) {
          mismatches.push(`${t.tokenType.name} \`${t.image}\` at ${t.startOffset}: ${got || '(no scope)'} does not match ${want}`);
          break;
        }
      }
    });
    for (const c of lexed.comments) {
      for (let o = c.startOffset; o < c.startOffset + c.image.length; o++) {
        if (text[o] === '\n') continue;
        const got = toks.find((x) => x.start <= o && o < x.end)?.scopes ?? [];
        if (!got.some((s) => s.startsWith('comment.'))) {
          mismatches.push(`comment at ${c.startOffset}: offset ${o} is ${got.join(' ') || '(no scope)'}`);
          break;
        }
      }
    }
    expect(all.length).toBeGreaterThan(0);
    expect(mismatches).toEqual([]);
  });

  test('snapshot of every scope', async () => {
    const lines: string[] = [];
    let line = -1;
    const starts = [0];
    for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
    for (const t of tokenize(text)) {
      if (!t.text.trim()) continue;
      let l = starts.length - 1;
      while (starts[l]! > t.start) l--;
      if (l !== line) {
        line = l;
        lines.push(`${l + 1}: ${text.slice(starts[l], (starts[l + 1] ?? text.length + 1) - 1)}`);
      }
      lines.push(`    ${JSON.stringify(t.text)} ${t.scopes.join(' ')}`);
    }
    await expect(lines.join('\n') + '\n').toMatchFileSnapshot(path.join(ROOT, 'test/unit/__snapshots__/textmate', file + '.snap'));
  });
});
