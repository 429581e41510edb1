/** The CPU reference forward: shapes, determinism, causal masking, prefill ≡ decode, MLA's latent cache, FP8. */
import { describe, expect, it } from 'vitest';
import { compile } from '../../../src/passes/index.js';
import { diskReader } from '../../../src/cli/shared.js';
import type { ModelIR } from '../../../src/ir/model.js';
import { initWeights } from '../../../src/codegen/weights.js';
import { createReferenceCache, referenceForward } from '../../../src/codegen/reference/forward.js';
import { argTopK, routerRef } from '../../../src/codegen/reference/ops.js';

function tinyMoe(): ModelIR {
  const r = compile('examples/tiny-moe.kas', diskReader);
  const m = r.ir?.models.find((x) => x.name === 'TinyMoE');
  if (!m) throw new Error('examples/tiny-moe.kas did not lower to a TinyMoE model');
  return m;
}

const gqa: ModelIR = {
  name: 'TinyGqa',
  span: { file: 'f', start: 0, end: 0 },
  vocab: 50,
  hidden: 32,
  layers: 2,
  norm: { kind: 'rmsnorm', eps: 1e-6 },
  tiedEmbeddings: false,
  context: 64,
  attention: { kind: 'gqa', heads: 4, kvHeads: 2, headDim: 8, qkvBias: false, oBias: false },
  ffn: { kind: 'swiglu', intermediate: 48, bias: false },
  moe: null,
  mtpDepth: 0,
};

const TOKENS = [3, 17, 9, 41, 0, 28, 5];

function prefill(model: ModelIR, tokens: readonly number[], precision: 'fp32' | 'fp8' = 'fp32'): Float32Array {
  return referenceForward(model, initWeights(model, 7), tokens, createReferenceCache(model, 32), { precision });
}

for (const [label, getModel] of [
  ['TinyMoE (MLA + DeepSeekMoE)', tinyMoe],
  ['a small GQA model', () => gqa],
] as const) {
  describe(`reference forward of ${label}`, () => {
    const model = getModel();
    const tokens = TOKENS.map((t) => t % model.vocab);

    it('returns finite logits [tokens, vocab], the same bits on every run', () => {
      const a = prefill(model, tokens);
      expect(a.length).toBe(tokens.length * model.vocab);
      expect(a.every(Number.isFinite)).toBe(true);
      expect(Buffer.from(prefill(model, tokens).buffer).equals(Buffer.from(a.buffer))).toBe(true);
    });

    it('is causal: changing a later token leaves earlier rows unchanged', () => {
      const a = prefill(model, tokens);
      const b = prefill(model, [...tokens.slice(0, 4), (tokens[4]! + 1) % model.vocab, ...tokens.slice(5)]);
      const V = model.vocab;
      expect([...b.subarray(0, 4 * V)]).toEqual([...a.subarray(0, 4 * V)]);
      expect([...b.subarray(4 * V, 5 * V)]).not.toEqual([...a.subarray(4 * V, 5 * V)]);
    });

    it('decode steps with the KV cache give the prefill’s logits', () => {
      const weights = initWeights(model, 7);
      const full = referenceForward(model, weights, tokens, createReferenceCache(model, 32));
      const cache = createReferenceCache(model, 32);
      const V = model.vocab;
      const first = referenceForward(model, weights, tokens.slice(0, 3), cache);
      expect(cache.length).toBe(3);
      const rows = [first];
      for (const t of tokens.slice(3)) rows.push(referenceForward(model, weights, [t], cache));
      expect(cache.length).toBe(tokens.length);
      const stitched = new Float32Array(full.length);
      let o = 0;
      for (const r of rows) {
        stitched.set(r, o);
        o += r.length;
      }
      for (let i = 0; i < full.length; i++) expect(Math.abs(stitched[i]! - full[i]!), `logit ${Math.floor(i / V)},${i % V}`).toBeLessThan(1e-5);
    });

    it('FP8 (1×128 activation tiles, 128×128 weight blocks, N_C = 128) stays close to FP32 and is not a copy of it', () => {
      const a = prefill(model, tokens);
      const b = prefill(model, tokens, 'fp8');
      let num = 0;
      let den = 0;
      for (let i = 0; i < a.length; i++) {
        num += (a[i]! - b[i]!) ** 2;
        den += a[i]! ** 2;
      }
      const rel = Math.sqrt(num / den);
      expect(rel).toBeGreaterThan(0);
      expect(rel).toBeLessThan(0.1);
    });

    it('refuses a cache overflow and an out-of-vocabulary token with a message', () => {
      const w = initWeights(model, 7);
      expect(() => referenceForward(model, w, [1, 2, 3], createReferenceCache(model, 2))).toThrow(/exceed the cache capacity 2/);
      expect(() => referenceForward(model, w, [model.vocab], createReferenceCache(model, 2))).toThrow(/outside the vocabulary/);
    });
  });
}

describe('MLA cache', () => {
  it('keeps kv_lora_rank + qk_rope_dim values per token and layer (the latent and the rope key)', () => {
    const model = tinyMoe();
    if (model.attention.kind !== 'mla') throw new Error('TinyMoE is MLA');
    const cache = createReferenceCache(model, 16);
    expect(cache.layers.length).toBe(model.layers);
    expect(cache.layers[0]!.k.length).toBe(16 * (model.attention.kvLoraRank + model.attention.qkRopeDim));
    expect(cache.layers[0]!.v).toBeNull();
    referenceForward(model, initWeights(model, 7), [1, 2], cache);
    const row = model.attention.kvLoraRank + model.attention.qkRopeDim;
    expect(cache.layers[0]!.k.subarray(0, 2 * row).every((v) => v !== 0)).toBe(true);
    expect(cache.layers[0]!.k.subarray(2 * row).every((v) => v === 0)).toBe(true);
  });
});

describe('router reference', () => {
  it('follows the DeepSeek-V3 gate: group score = sum of top-2 biased, keep the best groups, weights from unbiased scores', () => {
    // 8 experts in 4 groups of 2; choose 2 groups; top-2.
    const logits = Float32Array.from([0, 0, 3, -3, 1, 1, -1, 2]);
    const bias = Float32Array.from([0, 0, 0, 0, 0, 0, 0.9, 0]);
    const { idx, weights } = routerRef(logits, bias, 1, { experts: 8, topK: 2, groups: 4, groupsChosen: 2, score: 'sigmoid', scale: 2.5, normalize: true });
    // biased sigmoid: g0 = .5+.5 = 1, g1 = .953+.047 = 1, g2 = .731+.731 = 1.462, g3 = (.269+.9)+.881 = 2.05 → groups 3, 2
    expect([...idx]).toEqual([6, 7]);
    const s6 = 1 / (1 + Math.exp(1));
    const s7 = 1 / (1 + Math.exp(-2));
    expect(weights[0]).toBeCloseTo((2.5 * s6) / (s6 + s7), 6);
    expect(weights[1]).toBeCloseTo((2.5 * s7) / (s6 + s7), 6);
  });

  it('breaks ties toward the lower index', () => {
    expect(argTopK([1, 3, 3, 2], 2)).toEqual([1, 2]);
  });
});
