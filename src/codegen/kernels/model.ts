/**
 * The kernels one model's forward pass uses, at full size, each with a stable role name
 * ([a-z0-9_]+, the .wgsl file stem). One instance per distinct shape: every layer of a kind shares
 * it. The host (src/codegen emitters, `kasc run`) dispatches them; this list is also what the
 * compile-only check creates pipelines for.
 */
import type { ModelIR } from '../../ir/model.js';
import { chooseAttentionConfig, chooseHeadProjectionConfig, chooseRopeConfig, generateAttentionWGSL, generateHeadProjectionWGSL, generateRopeWGSL } from './attention.js';
import { chooseFp8QuantizeConfig, generateFp8QuantizeWGSL } from './fp8.js';
import { chooseFp8GemmConfig, generateFp8GemmWGSL } from './fp8-gemm.js';
import { chooseMatmulConfig, generateMatmulWGSL } from './matmul.js';
import { chooseExpertGemmConfig, chooseMoeCombineConfig, chooseMoePlanConfig, chooseRouterConfig, generateExpertGemmWGSL, generateMoeCombineWGSL, generateMoePlanWGSL, generateRouterWGSL } from './moe.js';
import { chooseElementwiseConfig, chooseRmsNormConfig, generateElementwiseWGSL, generateRmsNormWGSL } from './norm.js';
import { type DeviceClass, type GeneratedKernel, type KernelLimits, floorPow2 } from './types.js';

export interface ModelKernelOptions {
  /** Most tokens in one forward call (the prefill length); default 64. */
  readonly maxTokens?: number;
  /** KV-cache capacity the attention kernel is built for; default the model's context, capped to what fits workgroup memory. */
  readonly maxSeq?: number;
  /** 'fp8': linear layers (not embedding, head, router) as block-scaled FP8 GEMMs, plus the activation quantizer. */
  readonly precision?: 'fp32' | 'fp8';
  /**
   * FP8 scaling (the precision pass's recipe): blockK = the K-width of the 1×blockK activation tiles
   * and of the blockN×blockK weight blocks, promoteEvery = N_C; default 128, 128, 128 (DeepSeek-V3).
   */
  readonly fp8?: { readonly blockK: number; readonly blockN: number; readonly promoteEvery: number };
}

/** The largest cache length whose scores fit workgroup memory next to the reduction buffer. */
export function maxAttentionSeq(limits: KernelLimits): number {
  const wg = Math.min(64, floorPow2(Math.min(limits.maxComputeInvocationsPerWorkgroup, limits.maxComputeWorkgroupSizeX)));
  return Math.floor(limits.maxComputeWorkgroupStorageSize / 4) - wg;
}

export function kernelsForModel(model: ModelIR, limits: KernelLimits, device: DeviceClass = 'gpu', options: ModelKernelOptions = {}): GeneratedKernel[] {
  const T = options.maxTokens ?? 64;
  const maxSeq = options.maxSeq ?? Math.min(model.context ?? 4096, maxAttentionSeq(limits));
  const H = model.hidden;
  const out = new Map<string, GeneratedKernel>();
  const add = (name: string, k: GeneratedKernel): void => {
    if (!out.has(name)) out.set(name, { ...k, name });
  };
  const fp8 = options.precision === 'fp8';
  const linear = (name: string, n: number, k: number): void => {
    if (fp8) {
      add(`${name}_fp8`, generateFp8GemmWGSL(chooseFp8GemmConfig({ m: T, n, k, ...options.fp8 }, limits, device), limits));
      add(`quantize_act_${k}`, generateFp8QuantizeWGSL(chooseFp8QuantizeConfig({ rows: T, cols: k, blockRows: 1, blockCols: options.fp8?.blockK }, limits), limits));
    } else {
      add(name, generateMatmulWGSL(chooseMatmulConfig({ m: T, n, k }, limits, device), limits));
    }
  };
  const norm = (name: string, dim: number, xStride = dim, yStride = dim): void => add(name, generateRmsNormWGSL(chooseRmsNormConfig({ dim, eps: model.norm.eps, xStride, yStride }, limits), limits));
  const ew = (name: string, op: 'add' | 'swiglu' | 'embedding', cols: number): void => add(name, generateElementwiseWGSL(chooseElementwiseConfig({ op, cols }, limits), limits));

  ew('embedding', 'embedding', H);
  norm('rmsnorm_hidden', H);
  ew('residual_add', 'add', H);
  const a = model.attention;
  if (a.kind === 'mla') {
    const R = a.kvLoraRank;
    const P = a.qkRopeDim;
    const qk = a.qkNopeDim + P;
    if (a.qLoraRank !== null) {
      linear('q_a_proj', a.qLoraRank, H);
      norm('q_a_norm', a.qLoraRank);
      linear('q_b_proj', a.heads * qk, a.qLoraRank);
    } else {
      linear('q_proj', a.heads * qk, H);
    }
    linear('kv_a_proj', R + P, H);
    norm('kv_a_norm_to_cache', R, R + P, R + P);
    add('rope_k_to_cache', generateRopeWGSL(chooseRopeConfig({ heads: 1, ropeDim: P, srcStride: R + P, srcOffset: R, dstStride: R + P, dstOffset: R, interleaved: true }, limits), limits));
    add('rope_q', generateRopeWGSL(chooseRopeConfig({ heads: a.heads, ropeDim: P, srcStride: qk, srcOffset: a.qkNopeDim, dstStride: R + P, dstOffset: R, interleaved: true }, limits), limits));
    const stride = (a.qkNopeDim + a.vDim) * R;
    add('absorb_w_uk', generateHeadProjectionWGSL(chooseHeadProjectionConfig({ heads: a.heads, inDim: a.qkNopeDim, outDim: R, xStride: qk, xOffset: 0, yStride: R + P, yOffset: 0, weightLayout: 'in-out', wHeadStride: stride, wOffset: 0 }, limits), limits));
    add('attention_mla', generateAttentionWGSL(chooseAttentionConfig({ kind: 'mla', heads: a.heads, kvLoraRank: R, qkNopeDim: a.qkNopeDim, qkRopeDim: P, maxSeq }, limits), limits));
    add('absorb_w_uv', generateHeadProjectionWGSL(chooseHeadProjectionConfig({ heads: a.heads, inDim: R, outDim: a.vDim, xStride: R, xOffset: 0, yStride: a.vDim, yOffset: 0, weightLayout: 'out-in', wHeadStride: stride, wOffset: a.qkNopeDim * R }, limits), limits));
    linear('o_proj', H, a.heads * a.vDim);
  } else {
    const D = a.headDim;
    linear('q_proj', a.heads * D, H);
    linear('kv_proj', a.kvHeads * D, H);
    add('rope_q', generateRopeWGSL(chooseRopeConfig({ heads: a.heads, ropeDim: D, srcStride: D, srcOffset: 0, dstStride: D, dstOffset: 0, interleaved: false }, limits), limits));
    add('rope_k_to_cache', generateRopeWGSL(chooseRopeConfig({ heads: a.kvHeads, ropeDim: D, srcStride: D, srcOffset: 0, dstStride: D, dstOffset: 0, interleaved: false }, limits), limits));
    add('attention_gqa', generateAttentionWGSL(chooseAttentionConfig({ kind: 'gqa', heads: a.heads, kvHeads: a.kvHeads, headDim: D, maxSeq }, limits), limits));
    linear('o_proj', H, a.heads * D);
  }
  const moeLayers = new Set(model.moe?.layers ?? []);
  const dense = Array.from({ length: model.layers }, (_, l) => l).some((l) => !moeLayers.has(l));
  if (dense && model.ffn) {
    linear('ffn_gate_up', 2 * model.ffn.intermediate, H);
    ew('ffn_swiglu', 'swiglu', model.ffn.intermediate);
    linear('ffn_down', H, model.ffn.intermediate);
  }
  const m = model.moe;
  if (m) {
    add('router_logits', generateMatmulWGSL(chooseMatmulConfig({ m: T, n: m.routed, k: H }, limits, device), limits));
    add(
      'router',
      generateRouterWGSL(
        chooseRouterConfig(
          { experts: m.routed, topK: m.topK, groups: m.groups?.count ?? 1, groupsChosen: m.groups?.choose ?? 1, score: m.router.score, scale: m.router.scale, normalize: m.router.normalize, bias: m.balance.kind === 'bias_update' },
          limits,
        ),
        limits,
      ),
    );
    const plan = { experts: m.routed, topK: m.topK, maxTokens: T };
    add('moe_plan', generateMoePlanWGSL(chooseMoePlanConfig(plan, limits), limits));
    add('expert_gate_up', generateExpertGemmWGSL(chooseExpertGemmConfig({ ...plan, mode: 'gate-up', n: m.expert.intermediate, k: H }, limits, device), limits));
    add('expert_down', generateExpertGemmWGSL(chooseExpertGemmConfig({ ...plan, mode: 'down', n: H, k: m.expert.intermediate }, limits, device), limits));
    add('moe_combine', generateMoeCombineWGSL(chooseMoeCombineConfig({ ...plan, hidden: H }, limits), limits));
    if (m.shared.count > 0) {
      const Is = m.shared.count * m.shared.ffn.intermediate;
      linear('shared_gate_up', 2 * Is, H);
      ew('shared_swiglu', 'swiglu', Is);
      linear('shared_down', H, Is);
    }
  }
  add('lm_head', generateMatmulWGSL(chooseMatmulConfig({ m: T, n: model.vocab, k: H }, limits, device), limits));
  return [...out.values()];
}
