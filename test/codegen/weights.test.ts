import { describe, expect, it } from 'vitest';
import { checkWeights, initWeights, readSafetensors, SafetensorsError, tensorTable, weightCount, writeSafetensors, type Weights } from '../../src/codegen/weights.js';
import { tinyMoe } from './models.js';

function header(json: string, data = new Uint8Array()): Uint8Array {
  const h = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

describe('weights', () => {
  const model = tinyMoe();

  it('names every tensor the Hugging Face DeepSeek way, with shapes from the IR', () => {
    const t = new Map(tensorTable(model).map((s) => [s.name, s.shape.join('x')]));
    expect(t.get('model.embed_tokens.weight')).toBe('1024x128');
    expect(t.get('model.layers.0.self_attn.q_a_proj.weight')).toBe('64x128');
    expect(t.get('model.layers.0.self_attn.q_b_proj.weight')).toBe(`${4 * 40}x64`);
    expect(t.get('model.layers.0.self_attn.kv_a_proj_with_mqa.weight')).toBe('40x128');
    expect(t.get('model.layers.0.self_attn.kv_b_proj.weight')).toBe(`${4 * 64}x32`);
    expect(t.get('model.layers.0.mlp.gate_proj.weight')).toBe('512x128');
    expect(t.get('model.layers.1.mlp.gate.weight')).toBe('16x128');
    expect(t.get('model.layers.1.mlp.gate.e_score_correction_bias')).toBe('16');
    expect(t.get('model.layers.3.mlp.experts.15.down_proj.weight')).toBe('128x64');
    expect(t.get('model.layers.1.mlp.shared_experts.up_proj.weight')).toBe('64x128');
    expect(t.has('model.layers.1.mlp.gate_proj.weight')).toBe(false);
    expect(t.has('lm_head.weight')).toBe(false); // tied
    expect(weightCount(model)).toBe([...tensorTable(model)].reduce((s, x) => s + x.shape.reduce((a, b) => a * b, 1), 0));
  });

  it('initializes deterministically from a seed, within the fan-in bound', () => {
    const a = initWeights(model, 7);
    const b = initWeights(model, 7);
    const c = initWeights(model, 8);
    const q = 'model.layers.0.self_attn.q_a_proj.weight';
    expect([...a.get(q)!.data]).toEqual([...b.get(q)!.data]);
    expect([...a.get(q)!.data]).not.toEqual([...c.get(q)!.data]);
    const bound = 1 / Math.sqrt(128);
    expect(Math.max(...a.get(q)!.data.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(checkWeights(model, a)).toEqual([]);
  });

  it('round-trips through .safetensors bit for bit, with aligned data and sorted names', () => {
    const w = initWeights(model, 3);
    const bytes = writeSafetensors(w, { format: 'pt' });
    expect(Buffer.compare(bytes, writeSafetensors(initWeights(model, 3), { format: 'pt' }))).toBe(0);
    const headerLen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + headerLen) % 8).toBe(0);
    const { weights, metadata } = readSafetensors(bytes);
    expect(metadata).toEqual({ format: 'pt' });
    expect([...weights.keys()]).toEqual([...w.keys()].sort());
    for (const [name, t] of w) {
      expect(weights.get(name)!.shape).toEqual(t.shape);
      const got = weights.get(name)!.data;
      expect(Buffer.compare(Buffer.from(got.buffer, got.byteOffset, got.byteLength), Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength))).toBe(0);
    }
  });

  it('reads F16 and BF16 tensors written by hand', () => {
    const data = new Uint8Array(8);
    const v = new DataView(data.buffer);
    v.setUint16(0, 0x3c00, true); // f16 1.0
    v.setUint16(2, 0xc000, true); // f16 -2.0
    v.setUint16(4, 0x3f80, true); // bf16 1.0
    v.setUint16(6, 0x4040, true); // bf16 3.0
    const json = JSON.stringify({ a: { dtype: 'F16', shape: [2], data_offsets: [0, 4] }, b: { dtype: 'BF16', shape: [2], data_offsets: [4, 8] } });
    const { weights } = readSafetensors(header(json, data));
    expect([...weights.get('a')!.data]).toEqual([1, -2]);
    expect([...weights.get('b')!.data]).toEqual([1, 3]);
  });

  it('rejects malformed files with a message that says what is wrong', () => {
    expect(() => readSafetensors(new Uint8Array(3))).toThrow(/shorter than the 8-byte header/);
    const huge = new Uint8Array(8);
    new DataView(huge.buffer).setBigUint64(0, 1n << 40n, true);
    expect(() => readSafetensors(huge)).toThrow(/100 MB limit/);
    expect(() => readSafetensors(header('{"a":'))).toThrow(SafetensorsError);
    expect(() => readSafetensors(header(JSON.stringify({ a: { dtype: 'I8', shape: [1], data_offsets: [0, 1] } }), new Uint8Array(1)))).toThrow(/dtype "I8"/);
    expect(() => readSafetensors(header(JSON.stringify({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 4] } }), new Uint8Array(4)))).toThrow(/needs 8/);
    expect(() => readSafetensors(header(JSON.stringify({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }), new Uint8Array(8)))).toThrow(/contiguous/);
    expect(() => readSafetensors(header(JSON.stringify({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }), new Uint8Array(8)))).toThrow(/cover 4 of the 8/);
    const w: Weights = new Map([['x', { shape: [2], data: new Float32Array(2) }]]);
    expect(checkWeights(tinyMoe(), w)[0]).toMatch(/missing tensor `model.embed_tokens.weight`/);
  });
});
