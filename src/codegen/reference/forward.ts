/**
 * The CPU reference forward pass of a model IR with Hugging Face-named weights: prefill of a token
 * sequence and decode steps with a KV cache, returning logits. It is what the generated WebGPU
 * module is checked against, so it spells out every convention the kernels follow:
 *
 * - pre-norm blocks: h = x + attn(norm(x)); out = h + ffn(norm(h)); logits = norm(out) · headᵀ
 *   (head = embedding when tied);
 * - MLA (DeepSeek-V2/V3): q = q_b(norm(q_a(x))) (or q_proj), split per head into nope | rope;
 *   kv_a(x) = [c_kv | k_rope]; the cache keeps [norm(c_kv) | rope(k_rope)] per token (kv_lora_rank +
 *   qk_rope_dim values, the compressed latent and the decoupled rope key); attention runs in the
 *   absorbed form (q_nope·W_UK against the latent, output latent·W_UVᵀ), for prefill and decode alike;
 *   RoPE pairs are interleaved (2i, 2i+1) as in DeepSeek's inference code;
 * - GQA: q/k/v projections (no biases: the weight table has none), RoPE on the whole head in the
 *   rotate-half layout (Llama/Qwen), the cache keeps K (roped) and V;
 * - RoPE θ from the model's `rope` block (10000 when absent); scaling (YaRN etc.) is not applied;
 * - MoE layers: the DeepSeek-V3 gate (ops.ts routerRef), shared experts (one FFN of count × width, as
 *   HF DeepSeek stores them) plus Σ_k w_k · expert_k(x), in k order;
 * - precision 'fp8': the linear layers of attention (q_a, q_b / q, kv_a, o; GQA q, k, v, o), the dense
 *   FFN and the shared experts run as block-scaled FP8 GEMMs (activations 1×128, weights 128×128,
 *   promotion every N_C), the V3 recipe; the embedding, output head, router, the absorbed kv_b
 *   products and the routed experts stay f32 — the same split as kernelsForModel(…, { precision:
 *   'fp8' }) (the grouped expert GEMM has no FP8 variant yet). Given the device's quantized
 *   activations (`deviceActivations`), it continues from the device's rounding where the two differ
 *   only at an E4M3 tie: the f32 ops here are not bit-identical to the kernels', and one code rounded
 *   the other way at a midpoint would otherwise fork the passes (fp8.ts adoptDeviceTies).
 */
import type { ModelIR } from '../../ir/model.js';
import type { Weights } from '../weights.js';
import { FP8_BLOCK, type Fp8Tensor, type QuantizedActivation, type TieReport, adoptDeviceTies, emptyTieReport, fp8BlockGemm, quantizeBlocks } from './fp8.js';
import { attentionRef, matmulRef, rmsNormRef, ropeRef, ropeTable, routerRef, swigluRef } from './ops.js';

export interface ReferenceOptions {
  readonly precision?: 'fp32' | 'fp8';
  /** N_C for the FP8 GEMM (default 128). */
  readonly promoteEvery?: number;
  /**
   * FP8: the activations the device quantized in the same call, one per FP8 linear in call order
   * (GpuModel.readQuantizedActivations). Where the device rounded a value the other way at an E4M3
   * midpoint (its f32 input one ulp away from the reference's), the reference continues with the
   * device's codes instead of forking; any other difference is not adopted (fp8.ts adoptDeviceTies).
   */
  readonly deviceActivations?: readonly QuantizedActivation[];
  /** Filled in when deviceActivations is given: ties adopted, differences rejected. */
  readonly tieReport?: TieReport;
}

/** Per layer: MLA → one array [capacity, kv_lora_rank + qk_rope_dim]; GQA → K and V [capacity, kvHeads·headDim]. */
export interface ReferenceCache {
  readonly capacity: number;
  length: number;
  readonly layers: { readonly k: Float32Array; readonly v: Float32Array | null }[];
}

export function cacheRowWidth(model: ModelIR): number {
  const a = model.attention;
  return a.kind === 'mla' ? a.kvLoraRank + a.qkRopeDim : a.kvHeads * a.headDim;
}

export function createReferenceCache(model: ModelIR, capacity: number): ReferenceCache {
  const w = cacheRowWidth(model);
  const layers = [];
  for (let l = 0; l < model.layers; l++) layers.push({ k: new Float32Array(capacity * w), v: model.attention.kind === 'mla' ? null : new Float32Array(capacity * w) });
  return { capacity, length: 0, layers };
}

export function ropeTheta(model: ModelIR): number {
  return model.rope?.theta ?? 10000;
}

function tensor(w: Weights, name: string): Float32Array {
  const t = w.get(name);
  if (!t) throw new Error(`reference: missing weight \`${name}\``);
  return t.data;
}

/** Concatenate two [n, k] matrices along rows (gate rows, then up rows). */
export function concatRows(a: Float32Array, b: Float32Array): Float32Array {
  const out = new Float32Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

type Linear = (x: Float32Array, w: Float32Array, m: number, n: number, k: number) => Float32Array;

/** FP8 linears; `calls()` counts them (to check it against the device's list). */
function fp8Linear(promoteEvery: number, device: readonly QuantizedActivation[] | undefined, report: TieReport): Linear & { calls(): number } {
  const cache = new WeakMap<Float32Array, Fp8Tensor>();
  let call = 0;
  const linear = (x: Float32Array, w: Float32Array, m: number, n: number, k: number): Float32Array => {
    let qw = cache.get(w);
    if (!qw) {
      qw = quantizeBlocks(w, n, k, FP8_BLOCK);
      cache.set(w, qw);
    }
    let qa = quantizeBlocks(x, m, k, 1);
    if (device) {
      const d = device[call++];
      if (d) qa = adoptDeviceTies(qa, x, d, report);
      else report.rejected++;
    }
    return fp8BlockGemm(qa, qw, promoteEvery);
  };
  return Object.assign(linear, { calls: () => call });
}

/**
 * Run `tokens` (a prefill, or one decode token) at positions cache.length.., append their keys to the
 * cache, and return the logits [tokens.length, vocab].
 */
export function referenceForward(model: ModelIR, weights: Weights, tokens: readonly number[], cache: ReferenceCache, options: ReferenceOptions = {}): Float32Array {
  const T = tokens.length;
  const H = model.hidden;
  const pos0 = cache.length;
  if (T === 0) throw new Error('reference: no tokens');
  if (pos0 + T > cache.capacity) throw new Error(`reference: ${pos0 + T} positions exceed the cache capacity ${cache.capacity}`);
  if (model.norm.kind !== 'rmsnorm') throw new Error(`reference: only rmsnorm is implemented (model uses ${model.norm.kind})`);
  const eps = model.norm.eps;
  const report = options.tieReport ?? emptyTieReport();
  const fp8 = options.precision === 'fp8' ? fp8Linear(options.promoteEvery ?? FP8_BLOCK, options.deviceActivations, report) : null;
  const linear: Linear = fp8 ?? matmulRef;
  const emb = tensor(weights, 'model.embed_tokens.weight');
  let x: Float32Array = new Float32Array(T * H);
  tokens.forEach((tok, t) => {
    if (!Number.isInteger(tok) || tok < 0 || tok >= model.vocab) throw new Error(`reference: token ${tok} is outside the vocabulary 0..${model.vocab - 1}`);
    x.set(emb.subarray(tok * H, (tok + 1) * H), t * H);
  });
  const moeLayers = new Set(model.moe?.layers ?? []);
  for (let l = 0; l < model.layers; l++) {
    const p = `model.layers.${l}`;
    const hn = rmsNormRef(x, tensor(weights, `${p}.input_layernorm.weight`), T, H, eps);
    const attn = attentionBlock(model, weights, p, hn, T, pos0, cache.layers[l]!, linear);
    addInPlace(x, attn);
    const fn = rmsNormRef(x, tensor(weights, `${p}.post_attention_layernorm.weight`), T, H, eps);
    const ffn = moeLayers.has(l) ? moeBlock(model, weights, p, fn, T, linear) : denseFfn(weights, `${p}.mlp`, fn, T, H, model.ffn!.intermediate, linear);
    addInPlace(x, ffn);
  }
  cache.length = pos0 + T;
  // The device quantized a different number of activations: its list does not belong to this call.
  if (fp8 && options.deviceActivations && fp8.calls() !== options.deviceActivations.length) report.rejected++;
  x = rmsNormRef(x, tensor(weights, 'model.norm.weight'), T, H, eps);
  const head = model.tiedEmbeddings ? emb : tensor(weights, 'lm_head.weight');
  return matmulRef(x, head, T, model.vocab, H);
}

function addInPlace(x: Float32Array, y: Float32Array): void {
  for (let i = 0; i < x.length; i++) x[i] = x[i]! + y[i]!;
}

const gateUpCache = new WeakMap<Float32Array, Float32Array>();

function denseFfn(weights: Weights, p: string, x: Float32Array, T: number, H: number, inter: number, linear: Linear): Float32Array {
  const gate = tensor(weights, `${p}.gate_proj.weight`);
  let gu = gateUpCache.get(gate);
  if (!gu) {
    gu = concatRows(gate, tensor(weights, `${p}.up_proj.weight`));
    gateUpCache.set(gate, gu);
  }
  const g = linear(x, gu, T, 2 * inter, H);
  return linear(swigluRef(g, T, inter), tensor(weights, `${p}.down_proj.weight`), T, H, inter);
}

function attentionBlock(model: ModelIR, weights: Weights, p: string, x: Float32Array, T: number, pos0: number, layerCache: ReferenceCache['layers'][number], linear: Linear): Float32Array {
  const a = model.attention;
  const H = model.hidden;
  const theta = ropeTheta(model);
  const eps = model.norm.eps;
  if (a.kind === 'mla') {
    const R = a.kvLoraRank;
    const P = a.qkRopeDim;
    const qk = a.qkNopeDim + P;
    let q: Float32Array;
    if (a.qLoraRank !== null) {
      const qa = linear(x, tensor(weights, `${p}.self_attn.q_a_proj.weight`), T, a.qLoraRank, H);
      const qn = rmsNormRef(qa, tensor(weights, `${p}.self_attn.q_a_layernorm.weight`), T, a.qLoraRank, eps);
      q = linear(qn, tensor(weights, `${p}.self_attn.q_b_proj.weight`), T, a.heads * qk, a.qLoraRank);
    } else {
      q = linear(x, tensor(weights, `${p}.self_attn.q_proj.weight`), T, a.heads * qk, H);
    }
    const cs = ropeTable(theta, P, pos0 + T);
    const kva = linear(x, tensor(weights, `${p}.self_attn.kv_a_proj_with_mqa.weight`), T, R + P, H);
    const latent = rmsNormRef(kva, tensor(weights, `${p}.self_attn.kv_a_layernorm.weight`), T, R, eps, R + P);
    ropeRef(kva, T, 1, R + P, R, P, cs, pos0, true);
    for (let t = 0; t < T; t++) {
      layerCache.k.set(latent.subarray(t * R, (t + 1) * R), (pos0 + t) * (R + P));
      layerCache.k.set(kva.subarray(t * (R + P) + R, (t + 1) * (R + P)), (pos0 + t) * (R + P) + R);
    }
    // Absorbed query: [q_nope · W_UK | rope(q_rope)] per head.
    const wkvb = tensor(weights, `${p}.self_attn.kv_b_proj.weight`);
    const stride = a.qkNopeDim + a.vDim;
    const qcat = new Float32Array(T * a.heads * (R + P));
    for (let t = 0; t < T; t++) {
      for (let h = 0; h < a.heads; h++) {
        const qb = (t * a.heads + h) * qk;
        const ob = (t * a.heads + h) * (R + P);
        for (let r = 0; r < R; r++) {
          let s = 0;
          for (let d = 0; d < a.qkNopeDim; d++) s += q[qb + d]! * wkvb[(h * stride + d) * R + r]!;
          qcat[ob + r] = s;
        }
        for (let i = 0; i < P; i++) qcat[ob + R + i] = q[qb + a.qkNopeDim + i]!;
      }
    }
    ropeRef(qcat, T, a.heads, R + P, R, P, cs, pos0, true);
    const olat = attentionRef(qcat, layerCache.k, layerCache.k, { rows: T, heads: a.heads, kvHeads: 1, qkDim: R + P, vDim: R, keyStride: R + P, valueStride: R + P, pos0, scale: 1 / Math.sqrt(qk) });
    const o = new Float32Array(T * a.heads * a.vDim);
    for (let t = 0; t < T; t++) {
      for (let h = 0; h < a.heads; h++) {
        for (let v = 0; v < a.vDim; v++) {
          let s = 0;
          const wb = (h * stride + a.qkNopeDim + v) * R;
          for (let r = 0; r < R; r++) s += olat[(t * a.heads + h) * R + r]! * wkvb[wb + r]!;
          o[(t * a.heads + h) * a.vDim + v] = s;
        }
      }
    }
    return linear(o, tensor(weights, `${p}.self_attn.o_proj.weight`), T, H, a.heads * a.vDim);
  }
  const D = a.headDim;
  const q = linear(x, tensor(weights, `${p}.self_attn.q_proj.weight`), T, a.heads * D, H);
  const k = linear(x, tensor(weights, `${p}.self_attn.k_proj.weight`), T, a.kvHeads * D, H);
  const v = linear(x, tensor(weights, `${p}.self_attn.v_proj.weight`), T, a.kvHeads * D, H);
  const cs = ropeTable(theta, D, pos0 + T);
  ropeRef(q, T, a.heads, D, 0, D, cs, pos0, false);
  ropeRef(k, T, a.kvHeads, D, 0, D, cs, pos0, false);
  layerCache.k.set(k, pos0 * a.kvHeads * D);
  layerCache.v!.set(v, pos0 * a.kvHeads * D);
  const o = attentionRef(q, layerCache.k, layerCache.v!, { rows: T, heads: a.heads, kvHeads: a.kvHeads, qkDim: D, vDim: D, keyStride: D, valueStride: D, pos0, scale: 1 / Math.sqrt(D) });
  return linear(o, tensor(weights, `${p}.self_attn.o_proj.weight`), T, H, a.heads * D);
}

function moeBlock(model: ModelIR, weights: Weights, p: string, x: Float32Array, T: number, linear: Linear): Float32Array {
  const m = model.moe!;
  const H = model.hidden;
  const logits = matmulRef(x, tensor(weights, `${p}.mlp.gate.weight`), T, m.routed, H);
  const bias = m.balance.kind === 'bias_update' ? tensor(weights, `${p}.mlp.gate.e_score_correction_bias`) : null;
  const { idx, weights: gw } = routerRef(logits, bias, T, {
    experts: m.routed,
    topK: m.topK,
    groups: m.groups?.count ?? 1,
    groupsChosen: m.groups?.choose ?? 1,
    score: m.router.score,
    scale: m.router.scale,
    normalize: m.router.normalize,
  });
  const out = m.shared.count > 0 ? denseFfn(weights, `${p}.mlp.shared_experts`, x, T, H, m.shared.count * m.shared.ffn.intermediate, linear) : new Float32Array(T * H);
  const I = m.expert.intermediate;
  for (let t = 0; t < T; t++) {
    const xt = x.subarray(t * H, (t + 1) * H);
    for (let k = 0; k < m.topK; k++) {
      const e = idx[t * m.topK + k]!;
      const y = denseFfn(weights, `${p}.mlp.experts.${e}`, xt, 1, H, I, matmulRef);
      const w = gw[t * m.topK + k]!;
      for (let c = 0; c < H; c++) out[t * H + c] = Math.fround(out[t * H + c]! + w * y[c]!);
    }
  }
  return out;
}
