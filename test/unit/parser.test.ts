import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseSource } from '../../src/syntax/parse.js';
import { DiagnosticSink, type Span } from '../../src/diagnostics/diagnostic.js';
import type * as A from '../../src/syntax/ast.js';
import { compileText, ROOT, TINY_GQA } from './fixtures.js';

function parse(text: string): { ast: A.KasFile; sink: DiagnosticSink } {
  const sink = new DiagnosticSink();
  const ast = parseSource(text, 'f.kas', sink);
  return { ast, sink };
}

/** The single field value of `model M { v = <expr> }`. */
function expr(source: string): A.Expr {
  const { ast, sink } = parse(`model M { v = ${source} }`);
  expect(sink.items).toEqual([]);
  const m = ast.blocks[0]!.body.members[0]!;
  if (m.kind !== 'Field') throw new Error('expected a field');
  return m.value;
}

/** An expression as a fully parenthesized string, to read precedence at a glance. */
function show(e: A.Expr): string {
  switch (e.kind) {
    case 'Number':
      return e.text + (e.unit ? ' ' + e.unit.name : '');
    case 'Binary':
      return `(${show(e.left)} ${e.op} ${show(e.right)})`;
    case 'Unary':
      return `(-${show(e.operand)})`;
    case 'Ref':
      return e.path.map((p) => p.name).join('.');
    case 'Count':
      return `[${show(e.count)} x ${show(e.item)}]`;
    case 'Choose':
      return `[${show(e.of)} choose ${show(e.choose)}]`;
    case 'String':
      return JSON.stringify(e.value);
    case 'Bool':
      return String(e.value);
    case 'Shape':
      return `${e.rows}x${e.cols}`;
    case 'List':
      return `[${e.items.map(show).join(', ')}]`;
    case 'Variant':
      return `${e.name.name}{${e.body.members.map((m) => m.name.name).join(',')}}`;
    default:
      return e.kind;
  }
}

const slice = (text: string, s: Span) => text.slice(s.start, s.end);

describe('spans are half-open offsets', () => {
  const text = 'model A {\n  vocab = 12\n  norm = rmsnorm { eps = 1e-6 }\n}\n';
  const { ast, sink } = parse(text);

  test('no diagnostics', () => expect(sink.items).toEqual([]));

  test('declaration, keyword, name and body', () => {
    const b = ast.blocks[0]!;
    expect(b.keyword).toBe('model');
    expect(b.keywordSpan).toEqual({ file: 'f.kas', start: 0, end: 5 });
    expect(b.name.span).toEqual({ file: 'f.kas', start: 6, end: 7 });
    expect(slice(text, b.span)).toBe(text.trimEnd());
    expect(slice(text, b.body.span)).toBe(text.slice(8).trimEnd());
    expect(b.body.span.end).toBe(text.lastIndexOf('}') + 1);
  });

  test('a field and its value', () => {
    const f = ast.blocks[0]!.body.members[0]! as A.Field;
    expect(slice(text, f.span)).toBe('vocab = 12');
    expect(slice(text, f.name.span)).toBe('vocab');
    expect(f.value).toMatchObject({ kind: 'Number', value: 12, text: '12' });
    expect(slice(text, f.value.span)).toBe('12');
    expect(f.value.span).toEqual({ file: 'f.kas', start: 20, end: 22 });
  });

  test('a variant value', () => {
    const f = ast.blocks[0]!.body.members[1]! as A.Field;
    expect(f.value.kind).toBe('Variant');
    const v = f.value as A.VariantExpr;
    expect(slice(text, v.span)).toBe('rmsnorm { eps = 1e-6 }');
    expect(slice(text, v.name.span)).toBe('rmsnorm');
    const eps = v.body.members[0] as A.Field;
    expect(eps.value).toMatchObject({ kind: 'Number', value: 1e-6 });
  });

  test('the file span covers the whole text', () => {
    expect(ast.span).toEqual({ file: 'f.kas', start: 0, end: text.length });
  });

  test('a number with a unit spans both', () => {
    const t = 'gpu G { memory = 80 GB }';
    const f = parse(t).ast.blocks[0]!.body.members[0] as A.Field;
    expect(slice(t, f.value.span)).toBe('80 GB');
    expect((f.value as A.NumberExpr).unit?.name).toBe('GB');
    expect(slice(t, (f.value as A.NumberExpr).unit!.span)).toBe('GB');
  });

  test('in a real stdlib file, every name span slices to the name and every child lies in its parent', () => {
    const file = path.join(ROOT, 'stdlib/models/deepseek-v3.kas');
    const src = fs.readFileSync(file, 'utf8');
    const { ast: real, sink: s } = parse(src);
    expect(s.items).toEqual([]);
    let idents = 0;
    const visit = (node: unknown, parent: Span | undefined): void => {
      if (Array.isArray(node)) return node.forEach((n) => visit(n, parent));
      if (!node || typeof node !== 'object') return;
      const o = node as Record<string, unknown>;
      const span = o['span'] as Span | undefined;
      if (span) {
        expect(span.start).toBeLessThanOrEqual(span.end);
        if (parent) {
          expect(span.start).toBeGreaterThanOrEqual(parent.start);
          expect(span.end).toBeLessThanOrEqual(parent.end);
        }
        if (typeof o['name'] === 'string') {
          expect(slice(src, span)).toBe(o['name']);
          idents++;
        }
        if (o['kind'] === 'Number') expect(slice(src, span).startsWith(o['text'] as string)).toBe(true);
      }
      for (const [k, v] of Object.entries(o)) if (k !== 'span' && k !== 'comments') visit(v, span ?? parent);
    };
    visit(real.blocks, real.span);
    expect(idents).toBeGreaterThan(20);
    expect(real.comments.length).toBeGreaterThan(3);
    for (const c of real.comments) expect(slice(src, c.span)).toBe(c.text);
  });
});

describe('the grammar', () => {
  test('`moe layers[3..] {}` is a sub-block with a selector', () => {
    const t = 'model M { moe layers[3..] {} }';
    const { ast, sink } = parse(t);
    expect(sink.items).toEqual([]);
    const m = ast.blocks[0]!.body.members[0]! as A.SubBlock;
    expect(m.kind).toBe('SubBlock');
    expect(m.name.name).toBe('moe');
    expect(m.selector?.name.name).toBe('layers');
    expect(slice(t, m.selector!.span)).toBe('layers[3..]');
    expect(m.selector!.range.start).toMatchObject({ kind: 'Number', value: 3 });
    expect(m.selector!.range.end).toBeUndefined();
    expect(m.selector!.range.step).toBeUndefined();
    expect(m.body.members).toEqual([]);
  });

  test('ranges with an end, a step, or no start', () => {
    const sel = (r: string) => {
      const { ast, sink } = parse(`model M { moe layers[${r}] { } }`);
      expect(sink.items).toEqual([]);
      const range = (ast.blocks[0]!.body.members[0] as A.SubBlock).selector!.range;
      return [range.start && show(range.start), range.end && show(range.end), range.step && show(range.step)];
    };
    expect(sel('0..61 step 2')).toEqual(['0', '61', '2']);
    expect(sel('..4')).toEqual([undefined, '4', undefined]);
    expect(sel('1.. step 2')).toEqual(['1', undefined, '2']);
    expect(sel('..')).toEqual([undefined, undefined, undefined]);
  });

  test('a sub-block without a selector', () => {
    const { ast } = parse('model M { mtp { depth = 1 } }');
    const m = ast.blocks[0]!.body.members[0]! as A.SubBlock;
    expect(m.kind).toBe('SubBlock');
    expect(m.selector).toBeUndefined();
    expect(m.body.members.map((x) => x.name.name)).toEqual(['depth']);
  });

  test('`a.b.c` is one reference with three segments', () => {
    const e = expr('a.b.c');
    expect(e.kind).toBe('Ref');
    expect((e as A.RefExpr).path.map((p) => p.name)).toEqual(['a', 'b', 'c']);
    // keywords may follow a dot: `T.model`
    expect(show(expr('T.model'))).toBe('T.model');
  });

  test('`8 choose 4` and `8 x H800`', () => {
    expect(show(expr('8 choose 4'))).toBe('[8 choose 4]');
    expect(show(expr('8 x H800'))).toBe('[8 x H800]');
    expect(show(expr('8 x ib { bandwidth = 1 }'))).toBe('[8 x ib{bandwidth}]');
    expect(show(expr('2 * 4 x N'))).toBe('[(2 * 4) x N]');
  });

  test('`*` and `/` bind tighter than `+` and `-`, all left-associative', () => {
    expect(show(expr('1 + 2 * 3'))).toBe('(1 + (2 * 3))');
    expect(show(expr('1 * 2 + 3'))).toBe('((1 * 2) + 3)');
    expect(show(expr('(1 + 2) * 3'))).toBe('((1 + 2) * 3)');
    expect(show(expr('10 - 2 - 3'))).toBe('((10 - 2) - 3)');
    expect(show(expr('8 / 4 / 2'))).toBe('((8 / 4) / 2)');
    expect(show(expr('-a * b'))).toBe('((-a) * b)');
    expect(show(expr('1 - -2'))).toBe('(1 - (-2))');
    expect(show(expr('2 * 3 TB/s + 1 GB/s'))).toBe('((2 * 3 TB/s) + 1 GB/s)');
  });

  test('a binary expression spans both operands', () => {
    const t = 'model M { v = 1 + 2 * 3 }';
    const { ast } = parse(t);
    const v = (ast.blocks[0]!.body.members[0] as A.Field).value as A.BinaryExpr;
    expect(slice(t, v.span)).toBe('1 + 2 * 3');
    expect(slice(t, v.right.span)).toBe('2 * 3');
  });

  test('literals: strings (with escapes), booleans, shapes, lists', () => {
    expect(show(expr('"a\\"b\\n"'))).toBe(JSON.stringify('a"b\n'));
    expect(show(expr('true'))).toBe('true');
    expect(show(expr('false'))).toBe('false');
    expect(show(expr('1x128'))).toBe('1x128');
    expect(show(expr('[1, 2 GB, y]'))).toBe('[1, 2 GB, y]');
    expect(show(expr('[]'))).toBe('[]');
    expect(expr('129_280')).toMatchObject({ kind: 'Number', value: 129280, text: '129_280' });
  });

  test('imports and consts, in source order', () => {
    const { ast, sink } = parse('import "hardware/h800"\nconst SEQ = 4096\nimport "./local"\nconst B = SEQ * 2');
    expect(sink.items).toEqual([]);
    expect(ast.imports.map((i) => i.path)).toEqual(['hardware/h800', './local']);
    expect(ast.imports[0]!.pathSpan).toEqual({ file: 'f.kas', start: 7, end: 22 });
    expect(ast.consts.map((c) => [c.name.name, show(c.value)])).toEqual([
      ['SEQ', '4096'],
      ['B', '(SEQ * 2)'],
    ]);
  });

  test('keywords may name fields (`model = X` in a deployment)', () => {
    const { ast, sink } = parse('train T { model = M  on = C }');
    expect(sink.items).toEqual([]);
    expect(ast.blocks[0]!.body.members.map((m) => m.name.name)).toEqual(['model', 'on']);
  });

  test('fields need no separators and may span lines', () => {
    const { ast, sink } = parse('gpu G { a = 1 b = 2\n c =\n 3 }');
    expect(sink.items).toEqual([]);
    expect(ast.blocks[0]!.body.members.map((m) => [m.name.name, show((m as A.Field).value)])).toEqual([
      ['a', '1'],
      ['b', '2'],
      ['c', '3'],
    ]);
  });
});

describe('recovery', () => {
  const text = [
    'model A {', //
    '  vocab = = 3', // error 1
    '  hidden = 4',
    '}',
    'gpu B {',
    '  memory = 80 GB',
    '}',
    'node C {',
    '  gpus = 8 x (',
    '}', // error 2
    'cluster D {',
    '  nodes = 2 x C',
    '}',
    'train E {',
    '  sequence = 4096 ]', // error 3
    '  batch = 64',
    '}',
    'serve F { model = A }',
  ].join('\n');
  const { ast, sink } = parse(text);

  test('three syntax errors in different blocks give three diagnostics', () => {
    expect(sink.items.map((d) => d.code)).toEqual(['KAS0101', 'KAS0101', 'KAS0101']);
    const lines = sink.items.map((d) => text.slice(0, d.span!.start).split('\n').length);
    expect(lines).toEqual([2, 10, 15]);
    for (const d of sink.items) {
      expect(d.severity).toBe('error');
      expect(d.message).toMatch(/^expected .+, found .+$/);
    }
  });

  test('and still returns every block, with the fields around the errors', () => {
    expect(ast.blocks.map((b) => b.name.name)).toEqual(['A', 'B', 'C', 'D', 'E', 'F']);
    const fields = (name: string) => ast.blocks.find((b) => b.name.name === name)!.body.members.map((m) => m.name.name);
    expect(fields('A')).toContain('hidden');
    expect(fields('B')).toEqual(['memory']);
    expect(fields('D')).toEqual(['nodes']);
    expect(fields('E')).toContain('batch');
    expect(fields('F')).toEqual(['model']);
  });

  test('every diagnostic and every node span lies within the text', () => {
    for (const d of sink.items) {
      expect(d.span!.start).toBeGreaterThanOrEqual(0);
      expect(d.span!.end).toBeLessThanOrEqual(text.length);
      expect(d.span!.start).toBeLessThanOrEqual(d.span!.end);
    }
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) return node.forEach(walk);
      if (!node || typeof node !== 'object') return;
      const s = (node as { span?: Span }).span;
      if (s) expect(0 <= s.start && s.start <= s.end && s.end <= text.length, JSON.stringify(s)).toBe(true);
      Object.values(node).forEach(walk);
    };
    walk(ast);
  });

  test('an error at the end of the file points at the end', () => {
    const t = 'model M {\n  vocab = 1\n';
    const r = parse(t);
    expect(r.sink.items).toHaveLength(1);
    expect(r.sink.items[0]!.span).toEqual({ file: 'f.kas', start: t.length, end: t.length });
    expect(r.sink.items[0]!.message).toContain('end of file');
    expect(r.ast.blocks.map((b) => b.name.name)).toEqual(['M']);
  });

  test('a stray top-level word says what may start a declaration', () => {
    const r = parse('hidden = 1');
    expect(r.sink.items).toHaveLength(1);
    expect(r.sink.items[0]!.code).toBe('KAS0101');
    expect(r.sink.items[0]!.message).toContain('`model`');
    expect(r.sink.items[0]!.message).not.toContain('NOT_APPLICABLE');
    expect(r.sink.items[0]!.span).toEqual({ file: 'f.kas', start: 0, end: 6 });
  });

  test('an operator with nothing after it leaves a missing operand placed after the operator', () => {
    const t = 'model M { v = 1 + }';
    const r = parse(t);
    expect(r.sink.items.map((d) => d.code)).toEqual(['KAS0101']);
    const v = (r.ast.blocks[0]!.body.members[0] as A.Field).value;
    expect(v.kind).toBe('Binary');
    const b = v as A.BinaryExpr;
    expect(b.right.kind).toBe('Missing');
    expect(b.right.span.start).toBe(t.indexOf('+') + 1);
    expect(b.span.start).toBeLessThanOrEqual(b.span.end);
  });
});

describe('nesting limits', () => {
  test.each([
    ['parentheses', `const A = ${'('.repeat(5000)}1${')'.repeat(5000)}`],
    ['lists', `const A = ${'['.repeat(5000)}${']'.repeat(5000)}`],
    ['blocks', `model M { ${'b { '.repeat(5000)}${' }'.repeat(5000)} }`],
    ['unary minus', `const A = ${'-'.repeat(20000)}1`],
    ['a long operator chain', `const A = ${'1 + '.repeat(20000)}1`],
  ])('%s nested too deeply are KAS0103, not a stack overflow', (_what, text) => {
    const r = compileText(text);
    expect(r.diagnostics.items.map((d) => d.code)).toEqual(['KAS0103']);
    expect(r.analysis).toBeUndefined();
    // the shared parser instance is usable afterwards
    const after = compileText(TINY_GQA);
    expect(after.diagnostics.items).toEqual([]);
    expect(after.analysis?.models[0]?.params.total).toBe(7888);
  });

  test('ordinary nesting is fine', () => {
    const r = compileText(`const A = ${'('.repeat(50)}1${')'.repeat(50)} + ${'-'.repeat(50)}1 + ${'2 * '.repeat(500)}1`);
    expect(r.diagnostics.items).toEqual([]);
  });
});
