/** Memory per token and per model: KV cache and weights, by data type. */
import type { ModelIR } from '../ir/model.js';
import { DTYPE_BYTES } from '../semantics/schema.js';

/**
 * Elements cached per token per layer. MLA caches the compressed latent and the shared rope key:
 * r_kv + d_rope (ISCA Table 1). GQA/MHA/MQA cache a key and a value per kv head: 2·g·d.
 */
export function kvElementsPerTokenPerLayer(model: ModelIR): number {
  const a = model.attention;
  if (a.kind === 'mla') return a.kvLoraRank + a.qkRopeDim;
  return 2 * a.kvHeads * a.headDim;
}

/** KV-cache bytes per token: elements per layer × layers × bytes per element. */
export function kvCacheBytesPerToken(model: ModelIR, dtype: keyof typeof DTYPE_BYTES = 'bf16'): number {
  return kvElementsPerTokenPerLayer(model) * model.layers * DTYPE_BYTES[dtype];
}

/** Bytes to hold `params` weights in a data type. */
export function weightBytes(params: number, dtype: keyof typeof DTYPE_BYTES): number {
  return params * DTYPE_BYTES[dtype];
}
