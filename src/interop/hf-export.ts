/**
 * `kasc export hf`: a .kas model → a Hugging Face `config.json`. The model type is chosen from the
 * architecture (MLA → DeepSeek-V2/V3, a gated shared expert → Qwen2-MoE, …) unless given; a model that
 * the type's config cannot describe is an error saying what does not fit. Keys are sorted and indented
 * as transformers writes them (`to_json_string`), so the output is stable byte for byte.
 */
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { diagnostic } from '../diagnostics/codes.js';
import type { ModelIR, Moe, Rope } from '../ir/model.js';
import { HF_ARCHITECTURE, isDeepseek, isMla, ropeTypeKey, type HfModelType } from './hf-types.js';

export interface HfExportResult {
  readonly config?: Readonly<Record<string, unknown>>;
  /** config.json text: sorted keys, 2-space indents, a final newline. */
  readonly text?: string;
  readonly modelType?: HfModelType;
  readonly diagnostics: readonly Diagnostic[];
}

/** The model type whose config describes this architecture most directly. */
export function inferHfModelType(m: ModelIR): HfModelType {
  const a = m.attention;
  const moe = m.moe;
  if (a.kind === 'mla') return moe && (moe.balance.kind === 'bias_update' || moe.router.score === 'sigmoid') ? 'deepseek_v3' : m.mtpDepth > 0 ? 'deepseek_v3' : 'deepseek_v2';
  const qwenBias = a.qkvBias && !a.oBias;
  if (moe) {
    if (moe.sharedGate || (qwenBias && moe.shared.count <= 1)) return 'qwen2_moe';
    if (moe.shared.count === 0 && moe.layers.length === m.layers) return 'mixtral';
    return 'deepseek';
  }
  return qwenBias ? 'qwen2' : 'llama';
}

class NotExpressible extends Error {}

/** Stable JSON as transformers writes it: keys sorted at every level. */
export function stableJson(v: unknown): string {
  const sort = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(sort);
    if (x && typeof x === 'object') return Object.fromEntries(Object.keys(x).sort().map((k) => [k, sort((x as Record<string, unknown>)[k])]));
    return x;
  };
  return JSON.stringify(sort(v), null, 2) + '\n';
}

export function exportHfConfig(m: ModelIR, modelType?: HfModelType): HfExportResult {
  const type = modelType ?? inferHfModelType(m);
  const fail = (why: string): never => {
    throw new NotExpressible(why);
  };
  try {
    const c: Record<string, unknown> = { architectures: [HF_ARCHITECTURE[type]], model_type: type };
    c['vocab_size'] = m.vocab;
    c['hidden_size'] = m.hidden;
    c['num_hidden_layers'] = m.layers;
    if (m.context !== null) c['max_position_embeddings'] = m.context;
    if (m.norm.kind !== 'rmsnorm') fail('its norm is `layernorm`; the config has RMSNorm only');
    c['rms_norm_eps'] = m.norm.eps;
    c['tie_word_embeddings'] = m.tiedEmbeddings;
    const ffns = [m.ffn, m.moe?.expert, m.moe && m.moe.shared.count > 0 ? m.moe.shared.ffn : null].filter((f) => f);
    if (ffns.some((f) => f!.kind !== 'swiglu')) fail('an FFN is `gelu`; the config has SwiGLU (`hidden_act = silu`) only');
    c['hidden_act'] = 'silu';
    writeAttention(m, type, c, fail);
    if (m.ffn && type !== 'mixtral') c['intermediate_size'] = m.ffn.intermediate;
    if (m.rope) writeRope(m.rope, type, c);
    if (m.moe) writeMoe(m, m.moe, type, c, fail);
    else if (type === 'mixtral' || type === 'qwen2_moe') fail('it has no `moe` block');
    else if (isDeepseek(type)) c['n_routed_experts'] = null;
    if (type === 'deepseek_v3') c['num_nextn_predict_layers'] = m.mtpDepth;
    else if (m.mtpDepth > 0) fail('it has `mtp`, which only `deepseek_v3` configs hold');
    return { config: c, text: stableJson(c), modelType: type, diagnostics: [] };
  } catch (e) {
    if (!(e instanceof NotExpressible)) throw e;
    return { diagnostics: [diagnostic('exportNotExpressible', { model: m.name, type, why: e.message }, m.span, modelType ? { help: `leave out --model-type to let kasc choose (it would choose \`${inferHfModelType(m)}\`)` } : {})] };
  }
}

function writeAttention(m: ModelIR, type: HfModelType, c: Record<string, unknown>, fail: (why: string) => never): void {
  const a = m.attention;
  c['num_attention_heads'] = a.heads;
  if (isMla(type)) {
    if (a.kind !== 'mla') fail(`its attention is \`${a.kind}\`; \`${type}\` has multi-head latent attention`);
    c['num_key_value_heads'] = a.heads;
    c['q_lora_rank'] = a.qLoraRank;
    c['kv_lora_rank'] = a.kvLoraRank;
    c['qk_nope_head_dim'] = a.qkNopeDim;
    c['qk_rope_head_dim'] = a.qkRopeDim;
    c['v_head_dim'] = a.vDim;
    c['attention_bias'] = false;
    return;
  }
  if (a.kind === 'mla') return fail(`its attention is \`mla\`; \`${type}\` configs describe multi-head or grouped-query attention`);
  c['num_key_value_heads'] = a.kvHeads;
  const derived = m.hidden / a.heads;
  if (type === 'llama' || (type === 'mixtral' && a.headDim !== derived)) c['head_dim'] = a.headDim;
  else if (a.headDim !== derived) fail(`its head_dim ${a.headDim} is not hidden / heads, and \`${type}\` configs derive it`);
  if (type === 'qwen2' || type === 'qwen2_moe') {
    if (!a.qkvBias || a.oBias) fail('Qwen2 attention has biases on q, k and v and none on o (`qkv_bias = true`, `o_bias = false`)');
    c['use_sliding_window'] = false;
  } else if (type === 'mixtral') {
    if (a.qkvBias || a.oBias) fail('Mixtral attention has no biases');
    c['sliding_window'] = null;
  } else {
    if (a.qkvBias !== a.oBias) fail('`attention_bias` puts biases on all four projections or none, so `qkv_bias` and `o_bias` must agree');
    c['attention_bias'] = a.qkvBias;
    if (type === 'llama') c['mlp_bias'] = false;
  }
}

function writeRope(rope: Rope, type: HfModelType, c: Record<string, unknown>): void {
  c['rope_theta'] = rope.theta;
  const s = rope.scaling;
  const key = ropeTypeKey(type);
  switch (s.kind) {
    case 'none':
      c['rope_scaling'] = null;
      break;
    case 'yarn':
      c['rope_scaling'] = { [key]: 'yarn', factor: s.factor, original_max_position_embeddings: s.originalContext, beta_fast: s.betaFast, beta_slow: s.betaSlow, mscale: s.mscale, mscale_all_dim: s.mscaleAllDim };
      break;
    case 'llama3':
      c['rope_scaling'] = { [key]: 'llama3', factor: s.factor, original_max_position_embeddings: s.originalContext, low_freq_factor: s.lowFreqFactor, high_freq_factor: s.highFreqFactor };
      break;
    default:
      c['rope_scaling'] = { [key]: s.kind, factor: s.factor };
  }
}

function sameSet(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function writeMoe(m: ModelIR, moe: Moe, type: HfModelType, c: Record<string, unknown>, fail: (why: string) => never): void {
  const all = Array.from({ length: m.layers }, (_, i) => i);
  const step = moe.layers.length > 1 ? moe.layers[1]! - moe.layers[0]! : 1;
  const bal = moe.balance;
  if (type === 'llama' || type === 'qwen2') fail(`it has a \`moe\` block, and \`${type}\` models are dense`);
  if (moe.sharedGate && type !== 'qwen2_moe') fail('its shared experts have a gate (`shared_gate`), which only `qwen2_moe` configs hold');
  c['num_experts_per_tok'] = moe.topK;

  if (type === 'mixtral') {
    if (!sameSet(moe.layers, all)) fail('Mixtral has MoE on every layer');
    if (moe.shared.count > 0) fail('Mixtral has no shared experts');
    if (moe.router.score !== 'softmax' || !moe.router.normalize || moe.router.scale !== 1) fail('Mixtral routes by softmax over the top k (`softmax { normalize = true  scale = 1 }`)');
    if (moe.groups) fail('Mixtral has no group-limited routing');
    c['num_local_experts'] = moe.routed;
    c['intermediate_size'] = moe.expert.intermediate;
    c['router_aux_loss_coef'] = bal.kind === 'aux_loss' ? bal.alpha : 0;
    return;
  }

  if (type === 'qwen2_moe') {
    if (!moe.sharedGate || moe.shared.count !== 1) fail('Qwen2-MoE has one shared expert behind a sigmoid gate (`shared = 1 x swiglu { … }`, `shared_gate = true`)');
    if (moe.router.score !== 'softmax' || moe.router.scale !== 1) fail('Qwen2-MoE routes by softmax with scale 1');
    if (moe.groups) fail('Qwen2-MoE has no group-limited routing');
    const sparse = all.filter((i) => (i + 1) % step === 0);
    if (!moe.layers.every((i) => (i + 1) % step === 0)) fail(`its MoE layers are not every ${step}th layer counted from layer ${step - 1}, as decoder_sparse_step lays them out`);
    c['num_experts'] = moe.routed;
    c['moe_intermediate_size'] = moe.expert.intermediate;
    c['shared_expert_intermediate_size'] = moe.shared.ffn.intermediate;
    c['decoder_sparse_step'] = step;
    c['mlp_only_layers'] = sparse.filter((i) => !moe.layers.includes(i));
    c['norm_topk_prob'] = moe.router.normalize;
    c['router_aux_loss_coef'] = bal.kind === 'aux_loss' ? bal.alpha : 0;
    return;
  }

  // DeepSeek: layer i is MoE when i ≥ first_k_dense_replace and i % moe_layer_freq == 0.
  const first = moe.layers[0]!;
  if (first % step !== 0 || !sameSet(moe.layers, all.filter((i) => i >= first && i % step === 0))) {
    fail('its MoE layers are not every layer from some first one on, in steps that divide the first (first_k_dense_replace, moe_layer_freq)');
  }
  c['n_routed_experts'] = moe.routed;
  c['moe_intermediate_size'] = moe.expert.intermediate;
  c['first_k_dense_replace'] = first;
  c['moe_layer_freq'] = step;
  // Shared experts are one MLP of n_shared_experts × moe_intermediate_size in the modeling code.
  const sharedWidth = moe.shared.count * moe.shared.ffn.intermediate;
  if (sharedWidth % moe.expert.intermediate !== 0) fail(`its shared experts (${sharedWidth} wide in all) are not a whole number of routed experts wide`);
  c['n_shared_experts'] = sharedWidth / moe.expert.intermediate;
  c['norm_topk_prob'] = moe.router.normalize;
  if (type === 'deepseek' && moe.router.score === 'sigmoid') fail('DeepSeekMoE routes by softmax');
  c['scoring_func'] = moe.router.score;
  if (type === 'deepseek') {
    if (moe.router.scale !== 1) fail('DeepSeekMoE has no routed scaling factor');
    if (moe.groups) fail('DeepSeekMoE has no group-limited routing');
  } else {
    c['routed_scaling_factor'] = moe.router.scale;
    c['n_group'] = moe.groups?.count ?? 1;
    c['topk_group'] = moe.groups?.choose ?? 1;
  }
  if (type === 'deepseek_v3') {
    if (bal.kind !== 'bias_update') fail('DeepSeek-V3 routes with `noaux_tc`, which needs `balance = bias_update { … }`');
    c['topk_method'] = 'noaux_tc';
  } else if (type === 'deepseek_v2') {
    if (bal.kind === 'bias_update') fail('DeepSeek-V2 configs have no bias-update balancing; use model type `deepseek_v3`');
    c['topk_method'] = moe.groups ? 'group_limited_greedy' : 'greedy';
  } else if (bal.kind === 'bias_update') fail('DeepSeekMoE configs have no bias-update balancing');
  if (bal.kind === 'aux_loss') {
    c['aux_loss_alpha'] = bal.alpha;
    c['seq_aux'] = bal.sequence;
  } else if (bal.kind === 'none') c['aux_loss_alpha'] = 0;
}
