/**
 * The generated editor files in grammar/ are current: regenerated in memory, they must equal the
 * committed ones. When this fails, run `npm run grammar` and commit the result.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, test } from 'vitest';
import { grammarFiles, languageConfiguration, schemaNames, textMateGrammar, SCOPE_NAME } from '../../src/editor/grammar.js';
import { DECLARATION_KEYWORDS, KEYWORD_TOKENS, UNIT_NAMES } from '../../src/syntax/tokens.js';
import { grammarRules } from '../../src/syntax/parser.js';
import { ROOT } from './fixtures.js';

const GRAMMAR_DIR = path.join(ROOT, 'grammar');

describe('generated grammar files', () => {
  const files = grammarFiles();

  test.each(Object.keys(files))('grammar/%s is current (run `npm run grammar` if not)', (name) => {
    const file = path.join(GRAMMAR_DIR, name);
    expect(fs.existsSync(file), `grammar/${name} is missing`).toBe(true);
    expect(fs.readFileSync(file, 'utf8') === files[name], `grammar/${name} is stale: run \`npm run grammar\``).toBe(true);
  });

  test('generation is deterministic', () => {
    expect(grammarFiles()).toEqual(files);
  });
});

describe('TextMate grammar', () => {
  const g = textMateGrammar();
  const text = JSON.stringify(g);

  test('is scoped source.kas and every regular expression compiles', () => {
    expect(g['scopeName']).toBe(SCOPE_NAME);
    const patterns: string[] = [];
    JSON.parse(text, (k, v: unknown) => {
      if ((k === 'match' || k === 'begin' || k === 'end') && typeof v === 'string') patterns.push(v);
      return v;
    });
    expect(patterns.length).toBeGreaterThan(10);
    // JavaScript lacks a few Oniguruma features but reads everything this grammar uses.
    for (const p of patterns) expect(() => new RegExp(p), p).not.toThrow();
  });

  test('knows every keyword and unit of the token table', () => {
    for (const kw of KEYWORD_TOKENS.map((t) => (t.PATTERN as RegExp).source)) expect(text).toContain(kw);
    for (const kw of Object.keys(DECLARATION_KEYWORDS)) expect(text).toContain(`storage.type.${kw}.kas`);
    const units = (g['repository'] as Record<string, { patterns: { match: string }[] }>)['numbers']!.patterns[1]!.match;
    for (const u of UNIT_NAMES) expect(units).toContain(u.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'));
  });

  test('knows the block, field and option names of the schema', () => {
    const names = schemaNames();
    expect(names.blocks).toEqual(expect.arrayContaining(['moe', 'mtp', 'peak', 'parallel', 'routing']));
    expect(names.selectors).toContain('layers');
    expect(names.fields).toEqual(expect.arrayContaining(['vocab', 'kv_lora_rank', 'bandwidth', 'top_k']));
    expect(names.options).toEqual(expect.arrayContaining(['mla', 'gqa', 'swiglu', 'rmsnorm', 'sigmoid', 'bias_update', 'fat_tree', 'dualpipe', 'bf16', 'auto']));
    for (const b of names.blocks) expect(text).toContain(b);
    for (const o of names.options) expect(text).toContain(o);
  });
});

describe('language configuration', () => {
  const c = languageConfiguration() as {
    comments: { lineComment: string; blockComment: string[] };
    brackets: string[][];
    autoClosingPairs: { open: string; close: string }[];
    indentationRules: { increaseIndentPattern: string; decreaseIndentPattern: string };
    folding: { markers: { start: string; end: string } };
  };

  test('comments, brackets and auto-closing pairs (quotes included)', () => {
    expect(c.comments).toEqual({ lineComment: '//', blockComment: ['/*', '*/'] });
    expect(c.brackets).toEqual([['{', '}'], ['[', ']'], ['(', ')']]);
    expect(c.autoClosingPairs.map((p) => p.open + p.close)).toEqual(expect.arrayContaining(['{}', '[]', '()', '""']));
  });

  test('indentation follows brackets; folding markers are regions', () => {
    const inc = new RegExp(c.indentationRules.increaseIndentPattern);
    const dec = new RegExp(c.indentationRules.decreaseIndentPattern);
    expect(inc.test('model DeepSeekV3 {')).toBe(true);
    expect(inc.test('  moe layers[3..] {      // MoE layers')).toBe(true);
    expect(inc.test('  ffn = swiglu { intermediate = 18432 }')).toBe(false);
    expect(dec.test('  }')).toBe(true);
    expect(dec.test('  vocab = 1')).toBe(false);
    expect(new RegExp(c.folding.markers.start).test('  // region hardware')).toBe(true);
    expect(new RegExp(c.folding.markers.end).test('// endregion')).toBe(true);
  });
});

describe('railroad diagrams', () => {
  const html = grammarFiles()['railroad.html']!;

  test('open with no network: nothing is loaded from elsewhere', () => {
    expect(html).not.toMatch(/<script[^>]*\bsrc=/i);
    expect(html).not.toMatch(/<link[^>]*\bhref=/i);
    expect(html).not.toMatch(/\b(?:src|href)=["']?(?:https?:)?\/\//i);
    expect(html).toContain('drawDiagramsFromSerializedGrammar');
    expect(html).toContain('Railroad Diagrams');
  });

  test('draw every rule of the parser', () => {
    for (const rule of grammarRules() as unknown as { name: string }[]) expect(html).toContain(`"name": "${rule.name}"`);
  });
});
