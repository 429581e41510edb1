/**
 * Parameter counts, tensor by tensor as the Hugging Face checkpoints store them. Every formula here is
 * listed in docs/formulas.md with its source.
 */
import type { Attention, Ffn, ModelIR } from '../ir/model.js';

/** Parameters of one normalization over `dim` channels: a scale (RMSNorm), or a scale and a bias (LayerNorm). */
export function normParams(model: ModelIR, dim: number): number {
  return model.norm.kind === 'layernorm' ? 2 * dim : dim;
}

/** FFN weights: SwiGLU has gate, up and down (3·h·f); GeLU has up and down (2·h·f) plus optional biases. */
export function ffnParams(hidden: number, f: Ffn): number {
  if (f.kind === 'swiglu') return 3 * hidden * f.intermediate;
  return 2 * hidden * f.intermediate + (f.bias ? f.intermediate + hidden : 0);
}

export interface AttentionParams {
  /** Projection matrices and their biases. */
  readonly projections: number;
  /** Normalizations inside attention (MLA's q_a_layernorm and kv_a_layernorm). */
  readonly norms: number;
}

/**
 * One layer's attention.
 * MHA/GQA/MQA: q h·(n·d), k and v h·(g·d) each, o (n·d)·h, biases where declared.
 * MLA (DeepSeek-V2 §2.1): q_a h·r_q + q_b r_q·n·(d_nope+d_rope) (or q h·n·(d_nope+d_rope) without
 * q compression), kv_a h·(r_kv+d_rope), kv_b r_kv·n·(d_nope+d_v), o n·d_v·h.
 */
export function attentionParams(model: ModelIR, a: Attention = model.attention): AttentionParams {
  const h = model.hidden;
  if (a.kind === 'mla') {
    const qk = a.qkNopeDim + a.qkRopeDim;
    const q = a.qLoraRank === null ? h * a.heads * qk : h * a.qLoraRank + a.qLoraRank * a.heads * qk;
    const kv = h * (a.kvLoraRank + a.qkRopeDim) + a.kvLoraRank * a.heads * (a.qkNopeDim + a.vDim);
    const o = a.heads * a.vDim * h;
    const norms = (a.qLoraRank === null ? 0 : normParams(model, a.qLoraRank)) + normParams(model, a.kvLoraRank);
    return { projections: q + kv + o, norms };
  }
  const qDim = a.heads * a.headDim;
  const kvDim = a.kvHeads * a.headDim;
  const weights = h * qDim + 2 * h * kvDim + qDim * h;
  const biases = (a.qkvBias ? qDim + 2 * kvDim : 0) + (a.oBias ? h : 0);
  return { projections: weights + biases, norms: 0 };
}

/**
 * The MoE gates of one layer: the router matrix (experts × h), the per-expert selection bias of
 * loss-free balancing (DeepSeek-V3 e_score_correction_bias), and the shared-expert gate (h → 1) of
 * Qwen2-MoE (shared_expert_gate).
 */
export function routerParams(model: ModelIR): number {
  const moe = model.moe;
  if (!moe) return 0;
  return moe.routed * model.hidden + (moe.balance.kind === 'bias_update' ? moe.routed : 0) + (moe.sharedGate ? model.hidden : 0);
}

export interface ParamBreakdown {
  embedding: number;
  head: number;
  attention: number;
  denseFfn: number;
  experts: number;
  sharedExperts: number;
  router: number;
  norms: number;
}

export interface ParamCounts {
  readonly total: number;
  readonly activated: number;
  readonly activatedNonEmbedding: number;
  readonly breakdown: ParamBreakdown;
  readonly activatedBreakdown: ParamBreakdown;
  readonly denseLayers: number;
  readonly moeLayers: number;
  /** Multi-token prediction modules, counted apart from `total` (DeepSeek-V3 §2.2). */
  readonly mtp: { readonly depth: number; readonly unique: number; readonly sharedEmbedding: number; readonly sharedHead: number } | null;
}

const moeLayerSets = new WeakMap<readonly number[], ReadonlySet<number>>();

/** Whether a layer is MoE. A set per layer list: `includes` made counting quadratic in the layers. */
function isMoeLayer(model: ModelIR, layer: number): boolean {
  const layers = model.moe?.layers;
  if (!layers) return false;
  let set = moeLayerSets.get(layers);
  if (!set) moeLayerSets.set(layers, (set = new Set(layers)));
  return set.has(layer);
}

/** One transformer layer's parameters: the whole layer, and the part a single token uses. */
export function layerParams(model: ModelIR, layer: number): { total: ParamBreakdown; activated: ParamBreakdown } {
  const h = model.hidden;
  const attn = attentionParams(model);
  const zero: ParamBreakdown = { embedding: 0, head: 0, attention: 0, denseFfn: 0, experts: 0, sharedExperts: 0, router: 0, norms: 0 };
  const total = { ...zero, attention: attn.projections, norms: attn.norms + 2 * normParams(model, h) };
  const activated = { ...total };
  const moe = model.moe;
  if (moe && isMoeLayer(model, layer)) {
    const expert = ffnParams(h, moe.expert);
    const shared = moe.shared.count * ffnParams(h, moe.shared.ffn);
    total.experts = moe.routed * expert;
    total.sharedExperts = shared;
    total.router = routerParams(model);
    activated.experts = moe.topK * expert;
    activated.sharedExperts = shared;
    activated.router = total.router;
  } else if (model.ffn) {
    total.denseFfn = activated.denseFfn = ffnParams(h, model.ffn);
  }
  return { total, activated };
}

function add(into: ParamBreakdown, b: ParamBreakdown): void {
  for (const k of Object.keys(into) as (keyof ParamBreakdown)[]) into[k] += b[k];
}

function sum(b: ParamBreakdown): number {
  return Object.values(b).reduce((a, x) => a + x, 0);
}

export function countParams(model: ModelIR): ParamCounts {
  const h = model.hidden;
  const embedding = model.vocab * h;
  const head = model.tiedEmbeddings ? 0 : model.vocab * h;
  const total: ParamBreakdown = { embedding, head, attention: 0, denseFfn: 0, experts: 0, sharedExperts: 0, router: 0, norms: normParams(model, h) };
  const activated: ParamBreakdown = { ...total };
  let moeLayers = 0;
  for (let i = 0; i < model.layers; i++) {
    const l = layerParams(model, i);
    add(total, l.total);
    add(activated, l.activated);
    if (isMoeLayer(model, i)) moeLayers++;
  }
  let mtp: ParamCounts['mtp'] = null;
  if (model.mtpDepth > 0) {
    // Each MTP module (DeepSeek-V3 §2.2): norms on the hidden state and on the embedding, a 2h → h
    // projection, one transformer layer shaped like the model's last, and the shared head's norm.
    const last = layerParams(model, model.layers - 1).total;
    const perModule = 2 * normParams(model, h) + 2 * h * h + sum(last) + normParams(model, h);
    mtp = { depth: model.mtpDepth, unique: model.mtpDepth * perModule, sharedEmbedding: embedding, sharedHead: model.vocab * h };
  }
  const totalCount = sum(total);
  const activatedCount = sum(activated);
  return {
    total: totalCount,
    activated: activatedCount,
    activatedNonEmbedding: activatedCount - embedding,
    breakdown: total,
    activatedBreakdown: activated,
    denseLayers: model.layers - moeLayers,
    moeLayers,
    mtp,
  };
}
