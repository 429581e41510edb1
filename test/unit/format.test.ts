/** The formatter's canonical layout, case by case, and `kasc fmt` on files. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, test } from 'vitest';
import { formatSource } from '../../src/format/format.js';
import { main } from '../../src/cli/main.js';

const fmt = (text: string) => {
  const r = formatSource(text, 'f.kas');
  expect(r.diagnostics).toEqual([]);
  return r.text;
};

describe('canonical layout', () => {
  test('2-space indent, one member per line, `a = b` spacing', () => {
    expect(fmt('model M{vocab=1 hidden = 2\n      layers=3}')).toBe('model M {\n  vocab = 1\n  hidden = 2\n  layers = 3\n}\n');
  });

  test('counts, choose, units, ranges, lists, references, unary minus, parentheses', () => {
    expect(fmt('gpu G {\n  efficiency { compute = 80 %  memory = 9e1% }\n}')).toBe('gpu G {\n  efficiency { compute = 80%  memory = 9e1% }\n}\n');
    const src = 'node N{gpus=8   x   H800 groups = 8 choose 4 memory=80GB bw = 3.35   TB/s l = [ 1 ,2 ]  r = a . b z = - 1 e = 2*( 3+4 )/ 5}';
    expect(fmt(src)).toBe(
      'node N {\n  gpus = 8 x H800\n  groups = 8 choose 4\n  memory = 80 GB\n  bw = 3.35 TB/s\n  l = [1, 2]\n  r = a.b\n  z = -1\n  e = 2 * (3 + 4) / 5\n}\n',
    );
    expect(fmt('model M {\n  moe layers [ 3 .. ] { routed = 8 }\n  moe layers[0 .. 61 step 2] {}\n  moe layers[..4]{}\n}')).toBe(
      'model M {\n  moe layers[3..] { routed = 8 }\n  moe layers[0..61 step 2] {}\n  moe layers[..4] {}\n}\n',
    );
  });

  test('a body written on one line stays on one line, its members two spaces apart', () => {
    expect(fmt('node N {\n  scaleup = nvlink {bandwidth = 200 GB/s achievable=160 GB/s}\n}')).toBe(
      'node N {\n  scaleup = nvlink { bandwidth = 200 GB/s  achievable = 160 GB/s }\n}\n',
    );
  });

  test('a body written over several lines, or holding a comment, gets one member per line', () => {
    expect(fmt('node N {\n  scaleup = nvlink { bandwidth = 200 GB/s\n achievable = 160 GB/s }\n}')).toBe(
      'node N {\n  scaleup = nvlink {\n    bandwidth = 200 GB/s\n    achievable = 160 GB/s\n  }\n}\n',
    );
    expect(fmt('gpu G { peak { fp8 = 1 /* dense */ bf16 = 2 } }')).toBe('gpu G {\n  peak {\n    fp8 = 1            /* dense */\n    bf16 = 2\n  }\n}\n');
  });

  test('declarations always span lines; empty bodies print as `{}`', () => {
    expect(fmt('gpu G { memory = 1 GB }')).toBe('gpu G {\n  memory = 1 GB\n}\n');
    expect(fmt('gpu G {\n\n}\nmodel M { mtp {\n} }')).toBe('gpu G {}\nmodel M {\n  mtp {}\n}\n');
  });

  test('blank lines: at most one kept between declarations and members, none after `{` or before `}`', () => {
    const src = '\n\nimport "a"\n\n\n\nconst A = 1\nmodel M {\n\n\n  vocab = 1\n\n\n\n  hidden = 2\n\n}\n\n\n';
    expect(fmt(src)).toBe('import "a"\n\nconst A = 1\nmodel M {\n  vocab = 1\n\n  hidden = 2\n}\n');
  });

  test('comments are kept: own-line comments indented, trailing comments keep their column', () => {
    const src = [
      '// header',
      '',
      'gpu G {   // the gpu',
      '      // memory first',
      'memory = 80 GB        // HBM',
      '  bandwidth=1 TB/s // fast',
      '',
      '      /* block',
      '   comment */',
      '  sms = 1',
      '    // last',
      '}  // after',
      '/* end */',
    ].join('\n');
    expect(fmt(src)).toBe(
      [
        '// header',
        '',
        'gpu G {   // the gpu',
        '  // memory first',
        '  memory = 80 GB      // HBM',
        '  bandwidth = 1 TB/s // fast',
        '',
        '  /* block',
        '   comment */',
        '  sms = 1',
        '  // last',
        '}  // after',
        '/* end */',
        '',
      ].join('\n'),
    );
  });

  test('a line comment inside an expression breaks the line with a continuation indent', () => {
    expect(fmt('model M {\n  hidden = 2 * // twice\n  64\n}')).toBe('model M {\n  hidden = 2 * // twice\n    64\n}\n');
  });

  test('line endings become \\n, trailing spaces go, the file ends with one line break', () => {
    expect(fmt('gpu G {  \r\n  sms = 1   // c   \r\n}\r\n\r\n')).toBe('gpu G {\n  sms = 1   // c\n}\n');
    expect(fmt('')).toBe('');
    expect(fmt('// only a comment')).toBe('// only a comment\n');
  });

  test('numbers, strings and shapes are printed as written', () => {
    expect(fmt('const A = 1_000\nconst B = 1e-6\nimport "x/y"\ntrain T { precision = fp8 { activations = 1x128 } }')).toBe(
      'const A = 1_000\nconst B = 1e-6\nimport "x/y"\ntrain T {\n  precision = fp8 { activations = 1x128 }\n}\n',
    );
  });

  test('a file with syntax errors is returned unchanged, with its diagnostics', () => {
    const src = 'model M {\n  vocab = \n}\n';
    const r = formatSource(src, 'bad.kas');
    expect(r.changed).toBe(false);
    expect(r.text).toBe(src);
    expect(r.diagnostics.length).toBeGreaterThan(0);
    expect(r.diagnostics[0]!.severity).toBe('error');
  });
});

describe('kasc fmt', () => {
  async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const o = process.stdout.write.bind(process.stdout);
    const e = process.stderr.write.bind(process.stderr);
    process.stdout.write = ((s: string) => ((out += s), true)) as typeof process.stdout.write;
    process.stderr.write = ((s: string) => ((err += s), true)) as typeof process.stderr.write;
    try {
      return { code: await main(args), out, err };
    } finally {
      process.stdout.write = o;
      process.stderr.write = e;
    }
  }

  function tmp(files: Record<string, string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kasc-fmt-'));
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
    return dir;
  }

  test('rewrites in place; --check then accepts its own output', async () => {
    const dir = tmp({ 'a.kas': 'gpu G{sms=1}', 'b.kas': 'gpu H {\n  sms = 2\n}\n' });
    const check1 = await run(['fmt', '--check', dir]);
    expect(check1.code).toBe(1);
    expect(check1.out.trim().split('\n').map((l) => path.basename(l))).toEqual(['a.kas']);
    expect(fs.readFileSync(path.join(dir, 'a.kas'), 'utf8')).toBe('gpu G{sms=1}');
    expect((await run(['fmt', path.join(dir, 'a.kas'), path.join(dir, 'b.kas')])).code).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'a.kas'), 'utf8')).toBe('gpu G {\n  sms = 1\n}\n');
    const check2 = await run(['fmt', '--check', dir]);
    expect(check2).toEqual({ code: 0, out: '', err: '' });
  });

  test('--stdout prints and writes nothing', async () => {
    const dir = tmp({ 'a.kas': 'gpu G{sms=1}' });
    const r = await run(['fmt', '--stdout', path.join(dir, 'a.kas')]);
    expect(r).toEqual({ code: 0, out: 'gpu G {\n  sms = 1\n}\n', err: '' });
    expect(fs.readFileSync(path.join(dir, 'a.kas'), 'utf8')).toBe('gpu G{sms=1}');
  });

  test('a file with syntax errors is not rewritten: diagnostics, exit 1', async () => {
    const dir = tmp({ 'bad.kas': 'gpu G {\n  sms = \n}\n', 'ok.kas': 'gpu H{sms=1}' });
    const r = await run(['fmt', dir]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/error\[KAS0101\]/);
    expect(fs.readFileSync(path.join(dir, 'bad.kas'), 'utf8')).toBe('gpu G {\n  sms = \n}\n');
    expect(fs.readFileSync(path.join(dir, 'ok.kas'), 'utf8')).toBe('gpu H {\n  sms = 1\n}\n');
  });

  test('a missing file is an error', async () => {
    const r = await run(['fmt', path.join(os.tmpdir(), 'no-such-file-kasc.kas')]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/KAS0209/);
  });
});
