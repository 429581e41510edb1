import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { definition } from '../../src/lsp/definition.js';
import { STDLIB_ROOT } from '../../src/semantics/resolve.js';
import { LineIndex, pathToUri } from '../../src/lsp/position.js';
import { cursors, open, uriOf } from './fixture.js';

const HW = `gpu |Chip {
  memory = 80 GB
  bandwidth = 2 TB/s
  peak { bf16 = 312 TFLOP/s }
}
node |Box {
  gpus = 8 x Ch|ip
  scaleup = nvlink { |bandwidth = 400 GB/s }
  nics = 8 x ib { bandwidth = 400 Gb/s }
}
`;

const MAIN = `import "./h|w"
import "models/deepse|ek-v3"

cluster C {
  nodes = 4 x B|ox
  network = fat_tree { radix = 64 }
}

const LINK = Bo|x.scaleup.band|width
const HEADS = DeepSeekV3.attention.he|ads
`;

describe('go to definition', () => {
  const { ws, analysis, at } = open({ 'main.kas': MAIN, 'hw.kas': HW }, 'main.kas');
  const { text: hwText, offsets: hw } = cursors(HW);
  const hwLines = new LineIndex(hwText);
  const go = (o: number) => definition(analysis, o, ws);
  const place = (o: number) => analysis.lines.range(o, o);

  it('an import opens its file: a local one, or the stdlib', () => {
    expect(go(at[0]!)).toEqual({ uri: uriOf('hw.kas'), range: place(0) });
    expect(go(at[1]!)?.uri).toBe(pathToUri(path.join(STDLIB_ROOT, 'models', 'deepseek-v3.kas')));
  });

  it('a reference jumps to the declaration, across files', () => {
    const box = go(at[2]!)!;
    expect(box.uri).toBe(uriOf('hw.kas'));
    expect(box.range).toEqual(hwLines.range(hw[1]!, hw[1]! + 'Box'.length));
    expect(go(at[3]!)).toEqual(box);
  });

  it('a dotted reference jumps to the field it reads, through nested blocks and into the stdlib', () => {
    const bw = go(at[4]!)!;
    expect(bw.uri).toBe(uriOf('hw.kas'));
    expect(bw.range.start).toEqual(hwLines.position(hw[3]!));
    const heads = go(at[5]!)!;
    expect(heads.uri).toMatch(/stdlib\/models\/deepseek-v3\.kas$/);
  });

  it('inside the imported file too: `8 x Chip` leads to the gpu', () => {
    const { ws: ws2, analysis: a2, at: at2 } = open({ 'hw.kas': HW, 'main.kas': MAIN }, 'hw.kas');
    expect(definition(a2, at2[2]!, ws2)?.range.start).toEqual(hwLines.position(hw[0]!));
  });

  it('nothing where no name is', () => {
    const { ws: w, analysis: a, at: [o] } = open({ 'x.kas': 'const A = 1 |+ 2\n' });
    expect(definition(a, o!, w)).toBeUndefined();
  });
});
