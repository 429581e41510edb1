import { describe, expect, test } from 'vitest';
import { diagnosticsToJson, location, renderDiagnostic, renderDiagnostics, type Style } from '../../src/diagnostics/render.js';
import type { Diagnostic } from '../../src/diagnostics/diagnostic.js';
import { SourceFile } from '../../src/syntax/source.js';
import { compileText } from './fixtures.js';

const text = Array.from({ length: 12 }, (_, i) => `line${i + 1} = ${i}`).join('\n') + '\n';
const src = new SourceFile('dir/f.kas', text);
const sources = (f: string) => (f === 'F' ? src : undefined);
const lineStart = (l: number) => text.indexOf(`line${l} `);

function diag(over: Partial<Diagnostic> = {}): Diagnostic {
  return { code: 'KAS0301', severity: 'error', message: 'unknown field `line3` in model `M`', notes: [], span: { file: 'F', start: lineStart(3), end: lineStart(3) + 5 }, ...over };
}

describe('SourceFile', () => {
  test('offsets to 1-based line and column', () => {
    expect(src.position(0)).toEqual({ line: 1, column: 1 });
    expect(src.position(lineStart(10) + 4)).toEqual({ line: 10, column: 5 });
    expect(src.position(text.length)).toEqual({ line: 13, column: 1 });
    expect(src.lineText(10)).toBe('line10 = 9');
    expect(src.lineCount).toBe(13);
  });

  test('CRLF line ends are not part of the line text', () => {
    const f = new SourceFile('x', 'a = 1\r\nb = 2\r\n');
    expect(f.lineText(1)).toBe('a = 1');
    expect(f.position(7)).toEqual({ line: 2, column: 1 });
  });
});

describe('renderDiagnostic', () => {
  test('a code frame with carets under the span', () => {
    expect(renderDiagnostic(diag(), sources)).toBe(
      [
        'error[KAS0301]: unknown field `line3` in model `M`', //
        ' --> dir/f.kas:3:1',
        '  |',
        '3 | line3 = 2',
        '  | ^^^^^',
      ].join('\n'),
    );
  });

  test('carets start at the span’s column', () => {
    const out = renderDiagnostic(diag({ span: { file: 'F', start: lineStart(3) + 8, end: lineStart(3) + 9 }, label: 'this value' }), sources);
    expect(out.split('\n').slice(3)).toEqual(['3 | line3 = 2', '  |         ^ this value']);
  });

  test('an empty span still gets one caret', () => {
    const out = renderDiagnostic(diag({ span: { file: 'F', start: lineStart(3) + 5, end: lineStart(3) + 5 } }), sources);
    expect(out.split('\n').at(-1)).toBe('  |      ^');
  });

  test('a multi-digit line number widens the gutter for every line, notes and help included', () => {
    const out = renderDiagnostic(
      diag({
        span: { file: 'F', start: lineStart(10), end: lineStart(10) + 6 },
        label: 'here',
        notes: [{ message: 'first set here', span: { file: 'F', start: lineStart(2), end: lineStart(2) + 5 } }, { message: 'a note with no place' }],
        help: 'did you mean `hidden`?',
      }),
      sources,
    );
    expect(out).toBe(
      [
        'error[KAS0301]: unknown field `line3` in model `M`',
        '  --> dir/f.kas:10:1',
        '   |',
        '10 | line10 = 9',
        '   | ^^^^^^ here',
        '   = note: first set here (dir/f.kas:2:1)',
        '   = note: a note with no place',
        '   = help: did you mean `hidden`?',
      ].join('\n'),
    );
  });

  test('a span ending at a line break keeps notes aligned with the frame', () => {
    const out = renderDiagnostic(diag({ span: { file: 'F', start: lineStart(9), end: lineStart(10) }, notes: [{ message: 'n' }], help: 'h' }), sources);
    const lines = out.split('\n');
    expect(lines[3]).toBe('9 | line9 = 8');
    expect(lines.slice(-2)).toEqual(['  = note: n', '  = help: h']);
  });

  test('a span over several lines marks each line, the label on the last', () => {
    const out = renderDiagnostic(diag({ span: { file: 'F', start: lineStart(8) + 2, end: lineStart(9) + 3 }, label: 'L' }), sources);
    expect(out.split('\n').slice(3)).toEqual(['8 | line8 = 7', '  |   ^^^^^^^', '9 | line9 = 8', '  | ^^^ L']);
  });

  test('at most four lines of a long span are shown', () => {
    const out = renderDiagnostic(diag({ span: { file: 'F', start: lineStart(1), end: lineStart(12) + 2 } }), sources);
    expect(out).toContain(' 4 | line4');
    expect(out).not.toContain(' 5 | line5');
  });

  test('the end of the file', () => {
    const out = renderDiagnostic(diag({ span: { file: 'F', start: text.length, end: text.length } }), sources);
    expect(out.split('\n').slice(1)).toEqual(['  --> dir/f.kas:13:1', '   |', '13 | ', '   | ^']);
  });

  test('tabs print as one space so the carets stay under the text', () => {
    const t = new SourceFile('t.kas', 'a =\t\tbad');
    const out = renderDiagnostic(diag({ span: { file: 'T', start: 5, end: 8 } }), (f) => (f === 'T' ? t : undefined));
    expect(out.split('\n').slice(3)).toEqual(['1 | a =  bad', '  |      ^^^']);
  });

  test('without a known source: the file name only; without a span: no location at all', () => {
    expect(renderDiagnostic(diag({ span: { file: 'G', start: 1, end: 2 }, help: 'h' }), sources)).toBe('error[KAS0301]: unknown field `line3` in model `M`\n --> G\n = help: h');
    const { span: _unused, ...noSpan } = diag({ severity: 'warning' });
    expect(renderDiagnostic(noSpan, sources)).toBe('warning[KAS0301]: unknown field `line3` in model `M`');
  });

  test('a style colours the parts', () => {
    const tag: Style = { error: (s) => `<e>${s}</e>`, warning: (s) => `<w>${s}</w>`, bold: (s) => `<b>${s}</b>`, dim: (s) => s, help: (s) => `<h>${s}</h>` };
    const out = renderDiagnostic(diag({ help: 'x' }), sources, tag);
    expect(out.split('\n')[0]).toBe('<e><b>error[KAS0301]</b></e><b>: unknown field `line3` in model `M`</b>');
    expect(out).toContain('<e>^^^^^</e>');
    expect(out).toContain('<h>help</h>: x');
  });

  test('location()', () => {
    expect(location(diag({ span: { file: 'F', start: lineStart(10) + 3, end: lineStart(10) + 4 } }), sources)).toBe('dir/f.kas:10:4');
    expect(location(diag({ span: { file: 'G', start: 0, end: 0 } }), sources)).toBe('G');
  });
});

describe('renderDiagnostics', () => {
  test('joins with blank lines and ends with a summary', () => {
    const out = renderDiagnostics([diag(), diag({ severity: 'warning', code: 'KAS0414' }), diag({ code: 'KAS0302' })], sources);
    expect(out.endsWith('\n\n2 errors, 1 warning emitted\n')).toBe(true);
    expect(out.split('\n\n')).toHaveLength(4);
    expect(renderDiagnostics([diag()], sources).endsWith('1 error emitted\n')).toBe(true);
    expect(renderDiagnostics([], sources)).toBe('');
  });

  test('a real compile error prints the caret under the offending field', () => {
    const r = compileText('gpu G {\n  memory = 80 GB/s\n  bandwidth = 1 TB/s\n  peak { bf16 = 1 TFLOP/s }\n}\n');
    const out = renderDiagnostics(r.diagnostics.items, r.source);
    expect(out).toContain(' --> main.kas:2:12\n  |\n2 |   memory = 80 GB/s\n  |            ^^^^^^^\n');
  });

  test('JSON output resolves positions', () => {
    const [j] = diagnosticsToJson([diag({ help: 'h', label: 'l', notes: [{ message: 'n' }] })], sources) as Record<string, unknown>[];
    expect(j).toEqual({
      code: 'KAS0301',
      severity: 'error',
      message: 'unknown field `line3` in model `M`',
      file: 'dir/f.kas',
      start: { offset: lineStart(3), line: 3, column: 1 },
      end: { offset: lineStart(3) + 5, line: 3, column: 6 },
      label: 'l',
      notes: ['n'],
      help: 'h',
    });
  });
});
