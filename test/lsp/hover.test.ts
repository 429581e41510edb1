import { describe, expect, it } from 'vitest';
import { hover } from '../../src/lsp/hover.js';
import { open } from './fixture.js';
import { count, int } from '../../src/emit/report/format.js';

const text = (h: ReturnType<typeof hover>) => (h && typeof h.contents === 'object' && 'value' in h.contents ? h.contents.value : '');

const TINY = `model T|iny {
  vocab = 32000
  hidden = 2048
  layers = 16
  attention = m|la { heads = 16  q_lora_rank = 512  kv_lora_|rank = 256  qk_nope_dim = 64  qk_rope_dim = 32  v_dim = 64 }
  ffn = swiglu { intermediate = 4 * hid|den }
  m|oe layers[1..] { routed = 8  top_k = 2  expert = swiglu { intermediate = 1024 } }
}

gpu G {
  mem|ory = 80 G|B
  bandwidth = 2 TB/s
  peak { bf16 = 312 TFLOP/s }
}

train Run {
  model = Ti|ny
  on = Nowhere
  sequence = 4096
  batch = 8
}
`;

describe('hover', () => {
  const { analysis, at } = open({ 'tiny.kas': TINY });
  const [decl, mla, kvLora, hidden, moe, memory, gb, ref] = at.map((o) => text(hover(analysis, o)));

  it('on a model declaration: its parameters, FLOPs per token and KV cache', () => {
    expect(decl).toContain('**model** `Tiny`');
    // The same figures as the report of the model alone.
    const clean = open({ 'clean.kas': TINY.replace(/\|/g, '').replace(/train Run[\s\S]*/, '') }).analysis.result;
    const params = clean.analysis!.models[0]!.params;
    expect(decl).toContain(`parameters: **${count(params.total)}** total (${int(params.total)}), **${count(params.activated)}** activated per token`);
    expect(decl).toMatch(/FLOPs per token: [\d.]+ [GM]FLOP forward/);
    // MLA caches kv_lora_rank + qk_rope_dim = 288 elements per layer.
    expect(decl).toContain('288 elements per layer × 16 layers');
  });

  it('still works while another declaration has errors (the train run names a missing cluster)', () => {
    expect(analysis.result.diagnostics.hasErrors).toBe(true);
    expect(decl).toContain('activated per token');
  });

  it('on a field: its doc line, type and unit from the schema', () => {
    expect(kvLora).toContain('**field** `kv_lora_rank` in `mla` attention');
    expect(kvLora).toContain('rank of the key/value latent that is cached');
    expect(kvLora).toContain('required');
    expect(memory).toContain('HBM capacity');
    expect(memory).toContain('unit: bytes');
    expect(memory).toContain('`GB`');
  });

  it('on an option and a nested block of a model: its doc and its share of the parameters', () => {
    expect(mla).toContain('multi-head latent attention');
    expect(mla).toMatch(/parameters per layer/);
    expect(moe).toContain('**block** `moe`');
    expect(moe).toContain('15 MoE layers, 1 dense');
  });

  it('on a reference: the definition it names, its kind and where it is', () => {
    expect(hidden).toContain('**field** `hidden` of model = `2048`');
    expect(hidden).toMatch(/declared at test\/lsp\/virtual\/tiny\.kas:3:3/);
    expect(ref).toContain('**model** `Tiny`');
    expect(ref).toContain('declared at test/lsp/virtual/tiny.kas:1:7');
  });

  it('on a unit: its scale', () => {
    expect(gb).toContain('**unit** `GB` = 1000000000 bytes');
  });

  it('nothing between names', () => {
    const { analysis: a, at: [blank] } = open({ 'blank.kas': 'model X {\n | \n}\n' });
    expect(hover(a, blank!)).toBeUndefined();
  });
});

describe('hover across files', () => {
  it('on a model imported from the stdlib: the published DeepSeek-V3 size', () => {
    const { analysis, at } = open({ 'v3.kas': 'import "models/deepseek-v3"\nconst H = Deep|SeekV3.hid|den\n' });
    const [model, field] = at.map((o) => text(hover(analysis, o)));
    expect(model).toContain('declared at stdlib/models/deepseek-v3.kas:');
    expect(model).toMatch(/\*\*671\.0\dB\*\* total/);
    expect(model).toMatch(/\*\*37\.\d\dB\*\* activated/);
    expect(field).toContain('**field** `hidden` of model = `7168`');
  });

  it('on an import: the file and what it declares', () => {
    const { analysis, at } = open({ 'imp.kas': 'import "hardware/h8|00"\n' });
    expect(text(hover(analysis, at[0]!))).toMatch(/\*\*import\*\* stdlib\/hardware\/h800\.kas[\s\S]*gpu `H800`/);
  });
});
