/**
 * FP8 weights in the portable runtime (src/codegen/runtime/fp8.ts, safetensors.ts), which the emitted
 * TypeScript module carries:
 * - the runtime's quantizer packs the same E4M3 codes and scales as the CPU reference's quantizeBlocks +
 *   packE4M3, over seeded random weights (normal, spread over many binades, zero blocks, exact E4M3
 *   midpoints, NaN), square and non-square blocks, partial last blocks; its dequantizer matches
 *   dequantizeBlocks; the codec round-trips every one of the 256 codes;
 * - the .safetensors reader takes DeepSeek-V3's block-quantized form (F8_E4M3 `X` + f32
 *   `X_scale_inv` per 128×128 block) into one tensor with its codes, scales and lazily dequantized
 *   data, and refuses a missing or misshapen scale tensor with a message;
 * - on Dawn: the emitted FP8 TinyMoE module loads such a checkpoint and uploads the stored codes and
 *   scales as they are (read back from the FP8 GEMM's weight bindings), not a re-quantization of the
 *   dequantized values — which the test shows would differ for these weights — while the f32-only
 *   tensors it needs (routed experts, absorbed kv_b) come from the dequantized data. Without an
 *   adapter the GPU case is skipped locally and fails with CI=true.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { emitTs } from '../../src/codegen/emit-ts.js';
import { emitPrecisions } from '../../src/codegen/emit-wgsl.js';
import { decodeE4M3 as refDecode, dequantizeBlocks, encodeE4M3 as refEncode, packE4M3, quantizeBlocks } from '../../src/codegen/reference/fp8.js';
import { decodeE4M3, dequantizeFp8, encodeE4M3, quantizeFp8Weight } from '../../src/codegen/runtime/fp8.js';
import { SafetensorsError, readSafetensors } from '../../src/codegen/runtime/safetensors.js';
import { initWeights } from '../../src/codegen/weights.js';
import { diskReader } from '../../src/cli/shared.js';
import { compile } from '../../src/passes/index.js';
import { Rng } from '../../src/util/rng.js';
import { gpuForTests, requireCtx, shouldRun } from './kernels/gpu-harness.js';
import { ROOT } from './models.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kasc-emit-fp8-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Seeded weights that visit every corner of the encoder. */
function nastyWeights(n: number, k: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const w = new Float32Array(n * k);
  for (let i = 0; i < w.length; i++) {
    const u = rng.uniform();
    if (u < 0.6) w[i] = rng.normal() * 2 ** (rng.int(40) - 20);
    else if (u < 0.8) w[i] = (rng.uniform() < 0.5 ? -1 : 1) * (refDecode(rng.int(0x7e)) + refDecode(rng.int(0x7e) + 1)) / 2; // near/at midpoints
    else if (u < 0.999) w[i] = 0;
    else w[i] = NaN;
  }
  return w;
}

describe('runtime FP8 quantizer', () => {
  it('round-trips every code and is the reference codec', () => {
    for (let c = 0; c < 256; c++) {
      const v = decodeE4M3(c);
      expect(Object.is(v, refDecode(c)) || (Number.isNaN(v) && Number.isNaN(refDecode(c)))).toBe(true);
      expect(encodeE4M3(v)).toBe(c === 0xff ? 0x7f : c); // −NaN decodes to NaN, which encodes without its sign
      expect(encodeE4M3(v)).toBe(refEncode(v));
    }
  });

  it('packs the codes and scales of quantizeBlocks + packE4M3, bit for bit', () => {
    let checked = 0;
    for (const [n, k, bn, bk, seed] of [
      [128, 128, 128, 128, 1],
      [200, 96, 128, 128, 2],
      [96, 384, 128, 128, 3],
      [130, 260, 64, 32, 4],
      [7, 12, 3, 8, 5],
      [256, 128, 128, 64, 6],
    ] as const) {
      const w = nastyWeights(n, k, seed);
      // One all-zero block (scale 1) in each case.
      for (let r = 0; r < Math.min(n, bn); r++) w.fill(0, r * k, r * k + Math.min(k, bk));
      const got = quantizeFp8Weight(w, n, k, bn, bk);
      const ref = quantizeBlocks(w, n, k, bn, bk);
      expect(got.codes).toEqual(packE4M3(ref.codes));
      expect(got.scales).toEqual(ref.scales);
      expect(got.scales[0]).toBe(1);
      expect(dequantizeFp8(new Uint8Array(got.codes.buffer), got.scales, n, k, bn, bk)).toEqual(dequantizeBlocks(ref));
      checked += n * k;
    }
    expect(checked).toBeGreaterThan(100_000);
  });

  it('refuses a K that does not pack into u32 words', () => {
    expect(() => quantizeFp8Weight(new Float32Array(6), 2, 3, 128, 128)).toThrow(/not a multiple of 4/);
  });
});

/** A .safetensors file of raw tensors (dtype, shape, bytes), names sorted. */
function safetensors(tensors: Record<string, { dtype: string; shape: number[]; bytes: Uint8Array }>): Uint8Array {
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const n of names) {
    const t = tensors[n]!;
    header[n] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.bytes.length] };
    offset += t.bytes.length;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const n of names) {
    out.set(tensors[n]!.bytes, at);
    at += tensors[n]!.bytes.length;
  }
  return out;
}

const f32Bytes = (a: Float32Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/**
 * A weight stored as DeepSeek-V3 stores it: random codes below 0x70 (so no block reaches ±448 and a
 * re-quantization of the dequantized values would pick other scales and codes) and random scales.
 */
function storedFp8(n: number, k: number, rng: Rng): { codes: Uint8Array; scales: Float32Array } {
  const codes = new Uint8Array(n * k);
  for (let i = 0; i < codes.length; i++) codes[i] = rng.int(0x70) | (rng.uniform() < 0.5 ? 0x80 : 0);
  const scales = new Float32Array(Math.ceil(n / 128) * Math.ceil(k / 128));
  for (let i = 0; i < scales.length; i++) scales[i] = Math.fround(2 ** -9 * (1 + rng.uniform()));
  return { codes, scales };
}

describe('reading F8_E4M3 checkpoints', () => {
  it('pairs a weight with its weight_scale_inv: codes, block scales, dequantized data', () => {
    const rng = new Rng(7);
    const { codes, scales } = storedFp8(200, 136, rng);
    const norm = Float32Array.from({ length: 136 }, (_, i) => i / 7);
    const file = safetensors({
      'a.weight': { dtype: 'F8_E4M3', shape: [200, 136], bytes: codes },
      'a.weight_scale_inv': { dtype: 'F32', shape: [2, 2], bytes: f32Bytes(scales) },
      'n.weight': { dtype: 'F32', shape: [136], bytes: f32Bytes(norm) },
    });
    const { weights } = readSafetensors(file);
    expect([...weights.keys()]).toEqual(['a.weight', 'n.weight']);
    const a = weights.get('a.weight')!;
    expect(a.shape).toEqual([200, 136]);
    expect(a.fp8?.codes).toEqual(codes);
    expect(a.fp8?.scales).toEqual(scales);
    expect(a.fp8?.block).toEqual([128, 128]);
    expect(a.data).toEqual(dequantizeBlocks({ codes, scales, rows: 200, cols: 136, blockRows: 128, blockCols: 128 }));
    expect(weights.get('n.weight')!.data).toEqual(norm);
  });

  it('refuses a missing or misshapen scale tensor, and FP8 tensors that are not 2-D', () => {
    const codes = new Uint8Array(16);
    expect(() => readSafetensors(safetensors({ 'a.weight': { dtype: 'F8_E4M3', shape: [4, 4], bytes: codes } }))).toThrow(/F8_E4M3 tensor `a.weight` has no `a.weight_scale_inv`/);
    expect(() =>
      readSafetensors(safetensors({ 'a.weight': { dtype: 'F8_E4M3', shape: [4, 4], bytes: codes }, 'a.weight_scale_inv': { dtype: 'F32', shape: [2], bytes: new Uint8Array(8) } })),
    ).toThrow(/`a.weight_scale_inv` is F32 \[2\]; the 128×128 block scales of \[4, 4\] are a float tensor \[1, 1\]/);
    expect(() => readSafetensors(safetensors({ 'a.weight': { dtype: 'F8_E4M3', shape: [16], bytes: codes } }))).toThrow(SafetensorsError);
    // Another block size, as a checkpoint's `weight_block_size` may say.
    const ok = readSafetensors(safetensors({ 'a.weight': { dtype: 'F8_E4M3', shape: [4, 4], bytes: codes }, 'a.weight_scale_inv': { dtype: 'F32', shape: [2, 1], bytes: new Uint8Array(8) } }), { fp8Block: [2, 4] });
    expect(ok.weights.get('a.weight')!.fp8!.block).toEqual([2, 4]);
  });
});

const gpu = await gpuForTests();

describe.runIf(shouldRun(gpu))('the emitted FP8 module loads a pre-quantized checkpoint', () => {
  it('TinyMoE: stored codes and scales reach the FP8 GEMM as they are', async () => {
    const { device } = requireCtx(gpu);
    const file = 'examples/tiny-moe.kas';
    const r = compile(path.join(ROOT, file), diskReader, ROOT);
    const model = r.ir!.models.find((m) => m.name === 'TinyMoE')!;
    const precisions = emitPrecisions(r.analysis!).byModel;
    expect(precisions.get('TinyMoE')?.precision).toBe('fp8');
    const out = path.join(tmp, 'TinyMoE.ts');
    fs.writeFileSync(out, (await emitTs([model], file, precisions))['ts/TinyMoE/model.ts']!);
    const mod = (await import(pathToFileURL(out).href)) as {
      readSafetensors(b: Uint8Array): { weights: Map<string, { shape: number[]; data: Float32Array }> };
      createModel(device: GPUDevice, w: unknown, o?: { maxSeq?: number }): Promise<{ prefill(t: number[]): Promise<Float32Array>; readBinding(k: string, b: string): Promise<{ kernel: string; data: ArrayBuffer }[]>; destroy(): void }>;
    };
    // Every linear weight stored in FP8, as DeepSeek-V3's checkpoint stores them; the rest in f32.
    const rng = new Rng(3);
    const tensors: Record<string, { dtype: string; shape: number[]; bytes: Uint8Array }> = {};
    const stored = new Map<string, { codes: Uint8Array; scales: Float32Array }>();
    for (const [name, t] of initWeights(model, 4)) {
      const linear = /_proj(_with_mqa)?\.weight$/.test(name);
      if (!linear) {
        tensors[name] = { dtype: 'F32', shape: [...t.shape], bytes: f32Bytes(t.data) };
        continue;
      }
      const [n, k] = t.shape as [number, number];
      const q = storedFp8(n, k, rng);
      stored.set(name, q);
      tensors[name] = { dtype: 'F8_E4M3', shape: [n, k], bytes: q.codes };
      tensors[`${name.slice(0, -'.weight'.length)}.weight_scale_inv`] = { dtype: 'F32', shape: [Math.ceil(n / 128), Math.ceil(k / 128)], bytes: f32Bytes(q.scales) };
    }
    const weights = mod.readSafetensors(safetensors(tensors)).weights;
    const m = await mod.createModel(device, weights, { maxSeq: 8 });
    const logits = await m.prefill([1, 2, 3]);
    expect(logits.every(Number.isFinite)).toBe(true);
    for (const [kernel, name] of [['q_a_proj_fp8', 'model.layers.0.self_attn.q_a_proj.weight'], ['o_proj_fp8', 'model.layers.0.self_attn.o_proj.weight'], ['shared_down_fp8', 'model.layers.1.mlp.shared_experts.down_proj.weight']] as const) {
      const q = stored.get(name)!;
      const [n, k] = tensors[name]!.shape as [number, number];
      const bq = new Uint8Array((await m.readBinding(kernel, 'bq'))[0]!.data, 0, n * k);
      const bs = new Float32Array((await m.readBinding(kernel, 'bscale'))[0]!.data, 0, q.scales.length);
      expect(bq).toEqual(q.codes);
      expect(bs).toEqual(q.scales);
      // What quantizing the dequantized values again would have uploaded instead: other codes.
      const again = quantizeFp8Weight(weights.get(name)!.data, n, k, 128, 128);
      expect(new Uint8Array(again.codes.buffer)).not.toEqual(q.codes);
    }
    // A row-concatenated FP8 weight (gate rows, then up rows) is assembled from the stored codes too.
    const gate = stored.get('model.layers.0.mlp.gate_proj.weight')!;
    const up = stored.get('model.layers.0.mlp.up_proj.weight')!;
    const gu = (await m.readBinding('ffn_gate_up_fp8', 'bq'))[0]!;
    expect(new Uint8Array(gu.data, 0, gate.codes.length + up.codes.length)).toEqual(Uint8Array.from([...gate.codes, ...up.codes]));
    m.destroy();
  });
});
