import { describe, expect, test } from 'vitest';
import { lex } from '../../src/syntax/lexer.js';
import { DiagnosticSink } from '../../src/diagnostics/diagnostic.js';
import { UNIT_NAMES } from '../../src/syntax/tokens.js';
import { UNITS } from '../../src/semantics/units.js';

function tokens(text: string): { sink: DiagnosticSink; toks: [string, string, number][]; comments: [string, number][] } {
  const sink = new DiagnosticSink();
  const r = lex(text, 'f.kas', sink);
  return {
    sink,
    toks: r.tokens.map((t) => [t.tokenType.name, t.image, t.startOffset]),
    comments: r.comments.map((t) => [t.image, t.startOffset]),
  };
}

const kinds = (text: string) => tokens(text).toks.map(([k, img]) => `${k}:${img}`);

describe('units only after numbers', () => {
  test('`s = 2` keeps `s` an identifier', () => {
    expect(kinds('s = 2')).toEqual(['Identifier:s', 'Equals:=', 'NumberLiteral:2']);
  });

  test('a unit spelling after a number but before `=` is a field name (`5 s = 3` is two fields)', () => {
    expect(kinds('a = 5\ns = 3')).toEqual(['Identifier:a', 'Equals:=', 'NumberLiteral:5', 'Identifier:s', 'Equals:=', 'NumberLiteral:3']);
    expect(kinds('a = 5 s = 3')).toEqual(['Identifier:a', 'Equals:=', 'NumberLiteral:5', 'Identifier:s', 'Equals:=', 'NumberLiteral:3']);
  });

  test('`80 GB/s` is one Unit token, longest spelling first', () => {
    expect(kinds('bandwidth = 80 GB/s')).toEqual(['Identifier:bandwidth', 'Equals:=', 'NumberLiteral:80', 'Unit:GB/s']);
    expect(kinds('x = 400 Gb/s').slice(2)).toEqual(['NumberLiteral:400', 'Unit:Gb/s']);
    expect(kinds('m = 96 GiB').slice(2)).toEqual(['NumberLiteral:96', 'Unit:GiB']);
    expect(kinds('t = 5 ms').slice(2)).toEqual(['NumberLiteral:5', 'Unit:ms']);
  });

  test('a unit may follow the number without a space, but not across a line break', () => {
    expect(kinds('a = 5$').slice(2)).toEqual(['NumberLiteral:5', 'Unit:$']);
    expect(kinds('a = 5\nGB')).toEqual(['Identifier:a', 'Equals:=', 'NumberLiteral:5', 'Identifier:GB']);
  });

  test('a word that starts like a unit stays a word (`msg` is not `ms` + `g`)', () => {
    expect(kinds('a = 2 msg')).toEqual(['Identifier:a', 'Equals:=', 'NumberLiteral:2', 'Identifier:msg']);
  });

  test('a unit spelling with no number before it is an identifier', () => {
    expect(kinds('GB = TB')).toEqual(['Identifier:GB', 'Equals:=', 'Identifier:TB']);
  });

  test('every unit in the table lexes as one Unit token after a number', () => {
    for (const u of UNITS.keys()) {
      const toks = tokens(`a = 1 ${u}\n`);
      expect(toks.sink.items, u).toEqual([]);
      expect(toks.toks.slice(2).map(([k, img]) => `${k}:${img}`), u).toEqual(['NumberLiteral:1', `Unit:${u}`]);
    }
    expect(UNIT_NAMES.length).toBe(UNITS.size);
  });
});

describe('numbers, shapes and `x`', () => {
  test('`1x128` is a ShapeLiteral', () => {
    expect(kinds('activations = 1x128')).toEqual(['Identifier:activations', 'Equals:=', 'ShapeLiteral:1x128']);
    expect(kinds('w = 128x128').slice(2)).toEqual(['ShapeLiteral:128x128']);
  });

  test('`8 x H800` uses the `x` keyword', () => {
    expect(kinds('gpus = 8 x H800')).toEqual(['Identifier:gpus', 'Equals:=', 'NumberLiteral:8', 'X:x', 'Identifier:H800']);
  });

  test('`x` inside a word is part of the word', () => {
    expect(kinds('xs = max')).toEqual(['Identifier:xs', 'Equals:=', 'Identifier:max']);
  });

  test('number forms: underscores, decimals, exponents', () => {
    expect(kinds('a = 129_280').slice(2)).toEqual(['NumberLiteral:129_280']);
    expect(kinds('a = 3.35').slice(2)).toEqual(['NumberLiteral:3.35']);
    expect(kinds('a = 1e-6').slice(2)).toEqual(['NumberLiteral:1e-6']);
    expect(kinds('a = 2E+3').slice(2)).toEqual(['NumberLiteral:2E+3']);
  });

  test('`3..` is a number then `..`, not a decimal', () => {
    expect(kinds('layers[3..61 step 2]')).toEqual([
      'Identifier:layers',
      'LBracket:[',
      'NumberLiteral:3',
      'DotDot:..',
      'NumberLiteral:61',
      'Step:step',
      'NumberLiteral:2',
      'RBracket:]',
    ]);
  });

  test('keywords are whole words only', () => {
    expect(kinds('model models choose chooser')).toEqual(['Model:model', 'Identifier:models', 'Choose:choose', 'Identifier:chooser']);
  });
});

describe('comments', () => {
  test('line and block comments are kept, with their offsets, and are not tokens', () => {
    const t = tokens('// top\na = 1 /* mid */ // end\n/* multi\nline */');
    expect(t.toks.map(([k]) => k)).toEqual(['Identifier', 'Equals', 'NumberLiteral']);
    expect(t.comments).toEqual([
      ['// top', 0],
      ['/* mid */', 13],
      ['// end', 23],
      ['/* multi\nline */', 30],
    ]);
    expect(t.sink.items).toEqual([]);
  });

  test('a block comment may contain stars and slashes', () => {
    const t = tokens('/* a * b / c ** */ x');
    expect(t.comments).toEqual([['/* a * b / c ** */', 0]]);
    expect(t.toks.map(([k]) => k)).toEqual(['X']);
  });
});

describe('bad characters', () => {
  test('an unexpected character is KAS0001 with a span over it, and lexing goes on', () => {
    const t = tokens('a = 1 @ b');
    expect(t.sink.items).toHaveLength(1);
    const d = t.sink.items[0]!;
    expect(d.code).toBe('KAS0001');
    expect(d.severity).toBe('error');
    expect(d.message).toBe('unexpected character `@`');
    expect(d.span).toEqual({ file: 'f.kas', start: 6, end: 7 });
    expect(t.toks.map(([k, img]) => `${k}:${img}`)).toEqual(['Identifier:a', 'Equals:=', 'NumberLiteral:1', 'Identifier:b']);
  });

  test('a run of bad characters is one diagnostic spanning the run', () => {
    const t = tokens('a = ;;; 1');
    expect(t.sink.items.map((d) => [d.code, d.span?.start, d.span?.end])).toEqual([['KAS0001', 4, 7]]);
  });

  test('`#` gets a hint about comments', () => {
    const t = tokens('# a comment?\n');
    expect(t.sink.items[0]!.code).toBe('KAS0001');
    expect(t.sink.items[0]!.help).toBe('comments start with `//`');
  });

  test('bad characters in different places are reported separately', () => {
    const t = tokens('a = 1 @\nb = 2 ;');
    expect(t.sink.items.map((d) => [d.code, d.span?.start])).toEqual([
      ['KAS0001', 6],
      ['KAS0001', 14],
    ]);
  });

  test('an unterminated string is KAS0003 at its opening quote', () => {
    const t = tokens('a = "abc\nb = 1');
    const d = t.sink.items.find((x) => x.code === 'KAS0003');
    expect(d?.span).toEqual({ file: 'f.kas', start: 4, end: 5 });
  });

  test('strings with escapes lex as one token', () => {
    expect(kinds('import "a\\"b"')).toEqual(['Import:import', 'StringLiteral:"a\\"b"']);
  });
});
