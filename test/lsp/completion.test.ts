import { describe, expect, it } from 'vitest';
import { completion } from '../../src/lsp/completion.js';
import { MODEL, MOE, NODE } from '../../src/semantics/schema.js';
import { open } from './fixture.js';

/** Labels offered at the (single) cursor of `marked`, with `others` open as further buffers. */
function labels(marked: string, others: Record<string, string> = {}): string[] {
  const { ws, analysis, at } = open({ 'doc.kas': marked, ...others }, 'doc.kas');
  return completion(analysis, at[0]!, ws.openPaths()).map((c) => c.label);
}

describe('completion', () => {
  it('inside `model { }`: the model fields and nested blocks not yet written', () => {
    const got = labels('model X {\n  vocab = 1000\n  |\n}\n');
    const expected = [...Object.keys(MODEL.fields), ...Object.keys(MODEL.blocks!)].filter((n) => n !== 'vocab');
    expect(got.sort()).toEqual(expected.sort());
  });

  it('while a field name is half typed, and the line does not parse yet', () => {
    expect(labels('model X {\n  hidden = 8\n  kv|\n}\n')).toContain('vocab');
  });

  it('inside `attention = mla { }`: the mla fields', () => {
    const got = labels('model X {\n  attention = mla {\n    heads = 8\n    |\n  }\n}\n');
    expect(got).toEqual(expect.arrayContaining(['kv_lora_rank', 'q_lora_rank', 'qk_nope_dim', 'qk_rope_dim', 'v_dim']));
    expect(got).not.toContain('heads');
    expect(got).not.toContain('vocab');
  });

  it('inside `moe layers[3..] { }` and inside a count of variants (`8 x ib { }`)', () => {
    expect(labels('model X {\n  moe layers[3..] { | }\n}\n').sort()).toEqual(Object.keys(MOE.fields).sort());
    const nics = NODE.fields['nics']!.type;
    const ib = nics.t === 'count' && nics.item.t === 'variant' ? Object.keys(nics.item.variants['ib']!.fields) : [];
    expect(labels('node N {\n  nics = 8 x ib { | }\n}\n').sort()).toEqual(ib.sort());
  });

  it('option names after `router = `', () => {
    expect(labels('model X {\n  moe {\n    router = |\n  }\n}\n').sort()).toEqual(['sigmoid', 'softmax']);
    expect(labels('model X {\n  moe {\n    router = sig|\n  }\n}\n').sort()).toEqual(['sigmoid', 'softmax']);
    expect(labels('train T {\n  parallel { schedule = | }\n}\n')).toContain('dualpipe');
  });

  it('declarations of the kind a field refers to', () => {
    const got = labels('import "models/deepseek-v3"\nimport "clusters/deepseek-h800"\ntrain T {\n  model = |\n}\n');
    expect(got).toEqual(['DeepSeekV3']);
    expect(labels('import "hardware/h800"\nnode N {\n  gpus = 8 x |\n}\n')).toEqual(['H800']);
  });

  it('stdlib import paths inside `import "…"`, and files beside the document for `./`', () => {
    const got = labels('import "mo|');
    expect(got).toContain('models/deepseek-v3');
    expect(got).toContain('hardware/h800');
    expect(labels('import "./|', { 'sibling.kas': '' })).toEqual(['./sibling']);
  });

  it('units after a number, those of the field first', () => {
    const { analysis, at } = open({ 'doc.kas': 'gpu G {\n  bandwidth = 3.35 |\n}\n' });
    const items = completion(analysis, at[0]!);
    const first = [...items].sort((a, b) => a.sortText!.localeCompare(b.sortText!))[0]!;
    expect(items.map((i) => i.label)).toEqual(expect.arrayContaining(['GB', 'TB/s', 'Gb/s', 'ms', '%']));
    expect(first.label).toMatch(/\/s$/);
    expect(first.detail).toContain('bytes/s');
    // After a number on the line before, a new field starts: no units.
    expect(labels('model X {\n  vocab = 32000\n  |\n}\n')).not.toContain('GB');
  });

  it('names in scope inside an expression: fields of the enclosing blocks, constants and declarations', () => {
    const got = labels('const WIDTH = 4\nmodel X {\n  hidden = 1024\n  ffn = swiglu { intermediate = WIDTH * | }\n}\n');
    expect(got).toEqual(expect.arrayContaining(['hidden', 'WIDTH', 'X']));
  });

  it('members after a dot', () => {
    const got = labels('import "models/deepseek-v3"\nconst H = DeepSeekV3.|\n');
    expect(got).toEqual(expect.arrayContaining(['vocab', 'hidden', 'attention', 'moe']));
    expect(labels('import "models/deepseek-v3"\nconst R = DeepSeekV3.attention.|\n')).toContain('kv_lora_rank');
  });

  it('top-level keywords outside any block; nothing in comments, strings or where a new name goes', () => {
    expect(labels('|')).toEqual(['import', 'const', 'model', 'gpu', 'node', 'cluster', 'train', 'serve', 'search']);
    expect(labels('model X { vocab = 1 }\n|')).toContain('model');
    expect(labels('model X {\n  // vo|\n}\n')).toEqual([]);
    expect(labels('model |')).toEqual([]);
  });
});
