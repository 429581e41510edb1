/**
 * The Hugging Face model types kasc reads and writes, and what their config classes assume when a
 * field is left out (transformers' `configuration_*.py` defaults, and DeepSeek's remote-code configs).
 */

export const HF_MODEL_TYPES = ['deepseek_v3', 'deepseek_v2', 'deepseek', 'mixtral', 'qwen2_moe', 'qwen2', 'llama'] as const;
export type HfModelType = (typeof HF_MODEL_TYPES)[number];

export function isHfModelType(t: string): t is HfModelType {
  return (HF_MODEL_TYPES as readonly string[]).includes(t);
}

/** The `architectures` entry of each type: the class `AutoModelForCausalLM` loads. */
export const HF_ARCHITECTURE: Record<HfModelType, string> = {
  deepseek_v3: 'DeepseekV3ForCausalLM',
  deepseek_v2: 'DeepseekV2ForCausalLM',
  deepseek: 'DeepseekForCausalLM',
  mixtral: 'MixtralForCausalLM',
  qwen2_moe: 'Qwen2MoeForCausalLM',
  qwen2: 'Qwen2ForCausalLM',
  llama: 'LlamaForCausalLM',
};

/** `rms_norm_eps` when a config leaves it out. */
export const HF_DEFAULT_RMS_EPS: Record<HfModelType, number> = {
  deepseek_v3: 1e-6,
  deepseek_v2: 1e-6,
  deepseek: 1e-6,
  mixtral: 1e-5,
  qwen2_moe: 1e-6,
  qwen2: 1e-6,
  llama: 1e-6,
};

/** Whether the type's `rope_scaling` dictionary names its kind under `type` (DeepSeek) or `rope_type`. */
export function ropeTypeKey(t: HfModelType): 'type' | 'rope_type' {
  return t.startsWith('deepseek') ? 'type' : 'rope_type';
}

export const isMla = (t: HfModelType) => t === 'deepseek_v2' || t === 'deepseek_v3';
export const isDeepseek = (t: HfModelType) => t === 'deepseek' || isMla(t);

/**
 * Fields that do not change the network a config describes: tokenizer ids, initialisation, dropout,
 * caching, storage and bookkeeping. Import skips them without a warning; export does not write them.
 */
export const HF_NON_ARCHITECTURE_FIELDS = new Set([
  '_name_or_path',
  'architectures',
  'auto_map',
  'model_type',
  'bos_token_id',
  'eos_token_id',
  'pad_token_id',
  'initializer_range',
  'attention_dropout',
  'use_cache',
  'torch_dtype',
  'dtype',
  'transformers_version',
  'pretraining_tp',
  'output_router_logits',
  'router_jitter_noise',
  'ep_size',
  'quantization_config',
]);
