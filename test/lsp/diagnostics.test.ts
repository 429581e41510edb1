import { describe, expect, it } from 'vitest';
import { DiagnosticSeverity } from 'vscode-languageserver/node.js';
import { documentDiagnostics } from '../../src/lsp/diagnostics.js';
import { open, uriOf } from './fixture.js';

/** Each `|` marks where one mistake starts: one diagnostic per mistake, at that place. */
const BROKEN = `import |"nowhere"

model X {
  vocab = 32000
  hidden = 2048
  layers = 16
  attention = gqa { heads = 16  kv_heads = 4 }
  ffn = swiglu { |intermediat = 8192 }
}

gpu G {
  memory = |80 GB/s
  bandwidth = 2 TB/s
  peak { bf16 = 312 TFLOP/s }
}

node N {
  gpus = 8 x |H900
  scaleup = nvlink { bandwidth = 400 GB/s }
  nics = 8 x ib { bandwidth = 400 Gb/s }
}

cluster C {
  nodes = 4 x N
  network = fat_tree { radix = 64 |== 2 }
}
`;

describe('diagnostics', () => {
  it('a document with N independent mistakes gets N diagnostics, each with its CLI code, at its place', () => {
    const { ws, analysis, at } = open({ 'broken.kas': BROKEN });
    const ds = documentDiagnostics(analysis, ws);
    expect(ds.map((d) => d.code)).toEqual(['KAS0201', 'KAS0301', 'KAS0304', 'KAS0204', 'KAS0101']);
    expect(ds.map((d) => analysis.lines.offset(d.range.start))).toEqual(at);
    expect(ds.every((d) => d.source === 'kasc' && d.severity === DiagnosticSeverity.Error)).toBe(true);
    // The help line travels with the message, as the CLI prints it under the code frame.
    expect(ds[1]!.message).toBe('unknown field `intermediat` in `swiglu` FFN\nhelp: did you mean `intermediate`?');
  });

  it('notes with a place become related information', () => {
    const { ws, analysis } = open({ 'dup.kas': 'const A = 1\nconst A = 2\n' });
    const [d] = documentDiagnostics(analysis, ws);
    expect(d!.code).toBe('KAS0203');
    expect(d!.relatedInformation).toEqual([{ location: { uri: uriOf('dup.kas'), range: { start: { line: 0, character: 6 }, end: { line: 0, character: 7 } } }, message: 'first declared here' }]);
  });

  it('a mistake in an imported file shows on the import, pointing at the real place', () => {
    const { ws, analysis } = open({ 'main.kas': 'import "./lib"\nconst B = A\n', 'lib.kas': 'const A = 1 + true\n' }, 'main.kas');
    const [d] = documentDiagnostics(analysis, ws);
    expect(d!.code).toBe('KAS0308');
    expect(d!.range).toEqual({ start: { line: 0, character: 7 }, end: { line: 0, character: 14 } });
    expect(d!.relatedInformation![0]!.location.uri).toBe(uriOf('lib.kas'));
    expect(d!.relatedInformation![0]!.location.range.start).toEqual({ line: 0, character: 14 });
  });

  it('a clean file has none', () => {
    const { ws, analysis } = open({ 'clean.kas': 'import "models/deepseek-v3"\nconst H = DeepSeekV3.hidden\n' });
    expect(documentDiagnostics(analysis, ws)).toEqual([]);
  });
});
