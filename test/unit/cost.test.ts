/**
 * The cost model on models small enough to count by hand. Every expected figure is written as the
 * arithmetic that gives it, tensor by tensor, so a reader can check it without running anything.
 */
import { describe, expect, test } from 'vitest';
import { compileText, codes, SMALL_HARDWARE, TINY_GQA } from './fixtures.js';
import { attentionParams, countParams, ffnParams, normParams, routerParams } from '../../src/cost/params.js';
import { attentionFlopsPerTokenPerLayer, flopsPerToken } from '../../src/cost/flops.js';
import { kvCacheBytesPerToken, kvElementsPerTokenPerLayer, weightBytes } from '../../src/cost/memory.js';
import { fatTreeSize, networkReport, topologyName } from '../../src/cost/network.js';
import { DEFAULT_SEQUENCE, type ModelAnalysis } from '../../src/passes/analyze.js';
import type { ModelIR } from '../../src/ir/model.js';
import type { ClusterIR } from '../../src/ir/hardware.js';

function analyze(text: string, name: string): ModelAnalysis {
  const r = compileText(text);
  expect(codes(r)).toEqual([]);
  const m = r.analysis!.models.find((x) => x.model.name === name);
  if (!m) throw new Error(`no model ${name} in the analysis`);
  return m;
}

describe('a tiny GQA model (vocab 100, hidden 16, 2 layers, 4 heads, 2 kv heads, SwiGLU 32)', () => {
  const a = analyze(TINY_GQA, 'Tiny');
  const h = 16;
  const headDim = 16 / 4;
  const embedding = 100 * h;
  const attention = h * (4 * headDim) + 2 * h * (2 * headDim) + 4 * headDim * h; // q, k and v, o
  const ffn = 3 * h * 32; // gate, up, down
  const layerNorms = 2 * h; // before attention and before the FFN (RMSNorm: a scale)
  const total = embedding + embedding + 2 * (attention + ffn + layerNorms) + h; // + head + final norm

  test('the IR resolves head_dim and kv heads', () => {
    expect(a.model.attention).toMatchObject({ kind: 'gqa', heads: 4, kvHeads: 2, headDim: 4, qkvBias: false, oBias: false });
  });

  test('parameters, tensor by tensor', () => {
    expect(attention).toBe(768);
    expect(a.params.breakdown).toEqual({ embedding, head: embedding, attention: 2 * attention, denseFfn: 2 * ffn, experts: 0, sharedExperts: 0, router: 0, norms: 2 * layerNorms + h });
    expect(a.params.total).toBe(total);
    expect(a.params.total).toBe(7888);
    expect(a.params.activated).toBe(total);
    expect(a.params.activatedNonEmbedding).toBe(total - embedding);
    expect(a.params.denseLayers).toBe(2);
    expect(a.params.moeLayers).toBe(0);
    expect(a.params.mtp).toBeNull();
  });

  test('FLOPs per token: 2 per weight multiplied, plus causal attention at the default 4096', () => {
    const seq = DEFAULT_SEQUENCE;
    expect(seq).toBe(4096);
    const matmul = 2 * (total - embedding);
    const attnPerLayer = (2 * 4 * (headDim + headDim) * seq) / 2;
    expect(a.flops.sequence).toBe(seq);
    expect(a.flops.forwardMatmul).toBe(matmul);
    expect(a.flops.forwardAttentionCausal).toBe(2 * attnPerLayer);
    expect(a.flops.forwardAttentionNonCausal).toBe(4 * attnPerLayer);
    expect(a.flops.forwardPerToken).toBe(matmul + 2 * attnPerLayer);
    expect(a.flops.trainPerToken).toBe(3 * (matmul + 2 * attnPerLayer));
    expect(a.flops.trainPerTokenNonCausal).toBe(3 * (matmul + 4 * attnPerLayer));
    expect(a.sequenceFrom).toBe('default');
  });

  test('a training run fixes the sequence length for attention FLOPs', () => {
    const r = compileText(`${SMALL_HARDWARE}\n${TINY_GQA}\ntrain T { model = Tiny  on = C  sequence = 1024  batch = 64 }`);
    expect(codes(r)).toEqual([]);
    const m = r.analysis!.models[0]!;
    expect(m.sequenceFrom).toBe('train T');
    expect(m.flops.forwardAttentionCausal).toBe(2 * ((2 * 4 * 8 * 1024) / 2));
  });

  test('KV cache: a key and a value per kv head per layer', () => {
    expect(a.kvCache.elementsPerTokenPerLayer).toBe(2 * 2 * headDim);
    expect(a.kvCache.bytesPerToken).toEqual({ bf16: 16 * 2 * 2, fp8: 16 * 2 * 1, fp32: 16 * 2 * 4 });
  });

  test('weight memory by data type', () => {
    expect(a.weightBytes).toEqual({ fp32: total * 4, bf16: total * 2, fp8: total });
  });
});

describe('a tiny MLA model with MoE, LayerNorm, tied embeddings and GeLU with bias', () => {
  const text = `model Mini {
  vocab = 10
  hidden = 8
  layers = 3
  norm = layernorm
  tied_embeddings = true
  attention = mla { heads = 2  q_lora_rank = 4  kv_lora_rank = 3  qk_nope_dim = 2  qk_rope_dim = 1  v_dim = 2 }
  ffn = gelu { intermediate = 6  bias = true }
  moe layers[1..] {
    routed = 4
    expert = swiglu { intermediate = 2 }
    shared = 1
    top_k = 2
    router = sigmoid
    balance = bias_update { rate = 0.001 }
  }
  mtp { depth = 1 }
}`;
  const a = analyze(text, 'Mini');
  const h = 8;
  const ln = (d: number) => 2 * d; // LayerNorm: a scale and a bias
  const qk = 2 + 1;
  const q = h * 4 + 4 * 2 * qk; // q_a, q_b
  const kv = h * (3 + 1) + 3 * 2 * (2 + 2); // kv_a (latent + shared rope key), kv_b
  const o = 2 * 2 * h;
  const attention = q + kv + o;
  const attentionNorms = ln(4) + ln(3); // q_a_layernorm, kv_a_layernorm
  const layerNorms = 2 * ln(h);
  const gelu = 2 * h * 6 + 6 + h; // up, down, their biases
  const expert = 3 * h * 2;
  const router = 4 * h + 4; // gate matrix and the loss-free balancing bias
  const embedding = 10 * h;
  const dense = attention + attentionNorms + layerNorms + gelu;
  const moeTotal = attention + attentionNorms + layerNorms + 4 * expert + 1 * expert + router;
  const moeActivated = attention + attentionNorms + layerNorms + 2 * expert + 1 * expert + router;

  test('the MoE covers layers 1 and 2', () => {
    expect(a.model.moe?.layers).toEqual([1, 2]);
    expect(a.params.denseLayers).toBe(1);
    expect(a.params.moeLayers).toBe(2);
  });

  test('parameters, tensor by tensor', () => {
    expect([q, kv, o, attention]).toEqual([56, 56, 32, 144]);
    expect(a.params.breakdown).toEqual({
      embedding,
      head: 0,
      attention: 3 * attention,
      denseFfn: gelu,
      experts: 2 * 4 * expert,
      sharedExperts: 2 * expert,
      router: 2 * router,
      norms: ln(h) + 3 * (attentionNorms + layerNorms),
    });
    expect(a.params.total).toBe(embedding + ln(h) + dense + 2 * moeTotal);
    expect(a.params.total).toBe(1328);
    expect(a.params.activated).toBe(embedding + ln(h) + dense + 2 * moeActivated);
    expect(a.params.activatedBreakdown.experts).toBe(2 * 2 * expert);
    expect(a.params.activatedNonEmbedding).toBe(a.params.activated - embedding);
  });

  test('MTP modules are counted apart', () => {
    // per module: norms on the hidden state and the embedding, a 2h → h projection, a layer like the last, the head's norm
    expect(a.params.mtp).toEqual({ depth: 1, unique: 2 * ln(h) + 2 * h * h + moeTotal + ln(h), sharedEmbedding: embedding, sharedHead: 10 * h });
  });

  test('FLOPs: a tied head is still multiplied by', () => {
    const matmul = 2 * (a.params.activatedNonEmbedding + embedding);
    const attnPerLayer = (2 * 2 * (qk + 2) * 4096) / 2;
    expect(a.flops.forwardMatmul).toBe(matmul);
    expect(a.flops.forwardAttentionCausal).toBe(3 * attnPerLayer);
    expect(a.flops.forwardPerToken).toBe(matmul + 3 * attnPerLayer);
  });

  test('KV cache: MLA caches the latent and the shared rope key', () => {
    expect(a.kvCache.elementsPerTokenPerLayer).toBe(3 + 1);
    expect(a.kvCache.bytesPerToken.bf16).toBe((3 + 1) * 3 * 2);
    expect(a.kvCache.bytesPerToken.fp8).toBe((3 + 1) * 3);
  });
});

describe('formula functions', () => {
  const base: ModelIR = {
    name: 'X',
    span: { file: 'f', start: 0, end: 0 },
    vocab: 10,
    hidden: 8,
    layers: 1,
    norm: { kind: 'rmsnorm', eps: 1e-6 },
    tiedEmbeddings: false,
    context: null,
    attention: { kind: 'mha', heads: 2, kvHeads: 2, headDim: 4, qkvBias: false, oBias: false },
    ffn: { kind: 'swiglu', intermediate: 6, bias: false },
    moe: null,
    mtpDepth: 0,
  };

  test('ffnParams: SwiGLU 3hf, GeLU 2hf, biases f + h', () => {
    expect(ffnParams(8, { kind: 'swiglu', intermediate: 6, bias: false })).toBe(3 * 8 * 6);
    expect(ffnParams(8, { kind: 'gelu', intermediate: 6, bias: false })).toBe(2 * 8 * 6);
    expect(ffnParams(8, { kind: 'gelu', intermediate: 6, bias: true })).toBe(2 * 8 * 6 + 6 + 8);
  });

  test('normParams: RMSNorm a scale, LayerNorm a scale and a bias', () => {
    expect(normParams(base, 8)).toBe(8);
    expect(normParams({ ...base, norm: { kind: 'layernorm', eps: 1e-5 } }, 8)).toBe(16);
  });

  test('attentionParams: MHA, MQA, biases', () => {
    expect(attentionParams(base)).toEqual({ projections: 4 * 8 * 8, norms: 0 });
    const mqa = { ...base, attention: { kind: 'mqa', heads: 2, kvHeads: 1, headDim: 4, qkvBias: false, oBias: false } } as const;
    expect(attentionParams(mqa).projections).toBe(8 * 8 + 2 * 8 * 4 + 8 * 8);
    const biased = { ...base, attention: { kind: 'gqa', heads: 2, kvHeads: 1, headDim: 4, qkvBias: true, oBias: true } } as const;
    expect(attentionParams(biased).projections).toBe(8 * 8 + 2 * 8 * 4 + 8 * 8 + (8 + 2 * 4) + 8);
  });

  test('attentionParams: MLA without query compression projects queries directly', () => {
    const mla = { ...base, attention: { kind: 'mla', heads: 2, qLoraRank: null, kvLoraRank: 3, qkNopeDim: 2, qkRopeDim: 1, vDim: 2 } } as const;
    expect(attentionParams(mla)).toEqual({ projections: 8 * 2 * 3 + (8 * 4 + 3 * 2 * 4) + 2 * 2 * 8, norms: 3 });
  });

  test('routerParams: the gate, plus a bias only for loss-free balancing', () => {
    const moe = { layers: [0], routed: 4, expert: base.ffn!, shared: { count: 0, ffn: base.ffn! }, topK: 1, router: { score: 'softmax', scale: 1, normalize: false }, groups: null, balance: { kind: 'none' } } as const;
    expect(routerParams(base)).toBe(0);
    expect(routerParams({ ...base, moe })).toBe(4 * 8);
    expect(routerParams({ ...base, moe: { ...moe, balance: { kind: 'bias_update', rate: 0.001 } } })).toBe(4 * 8 + 4);
  });

  test('countParams sums the breakdown', () => {
    const p = countParams(base);
    expect(p.total).toBe(Object.values(p.breakdown).reduce((x, y) => x + y, 0));
    expect(p.total).toBe(10 * 8 * 2 + 4 * 8 * 8 + 3 * 8 * 6 + 2 * 8 + 8);
  });

  test('attention FLOPs and KV cache of MHA', () => {
    expect(attentionFlopsPerTokenPerLayer(base, 100, false)).toBe(2 * 2 * (4 + 4) * 100);
    expect(attentionFlopsPerTokenPerLayer(base, 100, true)).toBe(2 * 2 * (4 + 4) * 50);
    expect(kvElementsPerTokenPerLayer(base)).toBe(2 * 2 * 4);
    expect(kvCacheBytesPerToken(base)).toBe(16 * 2);
    expect(kvCacheBytesPerToken(base, 'fp32')).toBe(16 * 4);
    expect(flopsPerToken(base, 100).trainPerToken).toBe(3 * flopsPerToken(base, 100).forwardPerToken);
  });

  test('weightBytes', () => {
    expect(weightBytes(1000, 'bf16')).toBe(2000);
    expect(weightBytes(1000, 'fp8')).toBe(1000);
    expect(weightBytes(1000, 'int4')).toBe(500);
  });
});

describe('network', () => {
  test('FT2 with k = 64: 2048 endpoints, 96 switches, 2048 links', () => {
    expect(fatTreeSize(64, 2, (64 * 64) / 2)).toEqual({ switches: 64 + 32, links: 2048 });
  });

  test('FT3 with k = 64: 65536 endpoints, 5120 switches, 131072 links', () => {
    expect(fatTreeSize(64, 3, (64 * 64 * 64) / 4)).toEqual({ switches: 2048 + 2048 + 1024, links: 131072 });
  });

  test('a partly built tree rounds switches up', () => {
    // 33 endpoints: two leaves of 32 down-ports, one spine
    expect(fatTreeSize(64, 2, 33)).toEqual({ switches: 3, links: 64 });
    expect(fatTreeSize(64, 2, 32)).toEqual({ switches: 2, links: 32 });
  });

  test('networkReport: capacity and deployed size, priced when prices are given', () => {
    const text = SMALL_HARDWARE.replace('fat_tree { radix = 64 }', 'fat_tree { radix = 64  switch_price = 20 k$  link_price = 1 k$ }');
    const r = compileText(text);
    expect(codes(r)).toEqual([]);
    const net = r.analysis!.clusters.find((c) => c.cluster.name === 'C')!.network!;
    expect(net.topology).toBe('ft2');
    const full = 96 * 20e3 + 2048 * 1e3;
    expect(net.capacity).toEqual({ endpoints: 2048, switches: 96, links: 2048, costUSD: full, costPerEndpointUSD: full / 2048, diameter: 2 });
    // 4 nodes × 8 NICs = 32 ports: one leaf, one spine
    const built = 2 * 20e3 + 32 * 1e3;
    expect(net.deployed).toEqual({ endpoints: 32, switches: 2, links: 32, costUSD: built, costPerEndpointUSD: built / 32, diameter: 2 });
  });

  test('planes multiply the capacity; topology names', () => {
    const r = compileText(SMALL_HARDWARE.replace('fat_tree { radix = 64 }', 'fat_tree { radix = 64  planes = 8 }'));
    expect(codes(r)).toEqual([]);
    const c = r.analysis!.clusters[0]!;
    expect(topologyName(c.cluster)).toBe('mpft');
    expect(c.network!.capacity).toMatchObject({ endpoints: 8 * 2048, switches: 8 * 96, links: 8 * 2048, costUSD: null });
    // 32 ports over 8 planes: 4 per plane, one leaf (with all its 32 uplinks) and one spine each
    expect(c.network!.deployed).toMatchObject({ endpoints: 32, switches: 8 * 2, links: 8 * 32 });
    const names = (n: Partial<Extract<ClusterIR['network'], { kind: 'fat_tree' }>>) => topologyName({ ...c.cluster, network: { ...(c.cluster.network as Extract<ClusterIR['network'], { kind: 'fat_tree' }>), planes: 1, rails: 1, ...n } });
    expect(names({ levels: 2 })).toBe('ft2');
    expect(names({ levels: 3 })).toBe('ft3');
    expect(names({ rails: 8 })).toBe('mrft');
    // a radix too small for a balanced Dragonfly (4p − 1 ≤ radix with p ≥ 1) has no report; the checker says why
    expect(networkReport({ ...c.cluster, network: { kind: 'dragonfly', radix: 2, groups: null, switchPrice: null, linkPrice: null } })).toBeNull();
  });
});
