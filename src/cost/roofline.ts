/**
 * The roofline model (Williams, Waterman & Patterson, "Roofline: an insightful visual performance model",
 * CACM 52(4), 2009): a kernel that does F FLOP while moving Q bytes to and from HBM has arithmetic
 * intensity I = F / Q, and on a GPU with peak P FLOP/s and memory bandwidth B bytes/s it attains at most
 * min(P, B·I). Below the ridge point I = P / B a kernel is memory-bound, above it compute-bound.
 *
 * The intensities below count each operand crossing HBM exactly once (ideal tiling, no re-reads), the
 * usual upper bound; report.html places the main kernels of a deployment under its GPU's roof with them.
 */

/** Attainable FLOP/s under the roof: min(peak, bandwidth × intensity). */
export function rooflineAttainable(peakFlopsPerSecond: number, bytesPerSecond: number, intensity: number): number {
  return Math.min(peakFlopsPerSecond, bytesPerSecond * intensity);
}

/** The intensity at which a kernel stops being memory-bound: P / B (FLOP per byte). */
export function ridgePoint(peakFlopsPerSecond: number, bytesPerSecond: number): number {
  return peakFlopsPerSecond / bytesPerSecond;
}

/**
 * C[m×n] = A[m×k]·B[k×n]: F = 2·m·n·k; Q = a·m·k + b·k·n + c·m·n bytes for element sizes a (the
 * activations), b (the weights) and c (the output). For a linear layer m is the number of tokens, k
 * its input width and n its output width; with few tokens (decode, a rarely chosen expert) the weight
 * read dominates Q and I ≈ 2·m / b.
 */
export function gemmIntensity(m: number, n: number, k: number, bytes: { readonly a: number; readonly b: number; readonly c: number }): number {
  return (2 * m * n * k) / (bytes.a * m * k + bytes.b * k * n + bytes.c * m * n);
}

/**
 * Causal self-attention over `seq` tokens computed FlashAttention-style (scores stay on chip):
 * F = 2·h·(d_qk + d_v)·seq²/2 (the same count as flops.ts); Q = seq·(h·d_qk [queries] + g·(d_qk + d_v)
 * [keys and values] + h·d_v [output])·e for h query heads, g key/value heads and element size e.
 * I grows linearly with seq: long-context prefill and training are compute-bound.
 */
export function prefillAttentionIntensity(seq: number, heads: number, kvHeads: number, qkDim: number, vDim: number, elementBytes: number): number {
  const flops = (2 * heads * (qkDim + vDim) * seq * seq) / 2;
  const bytes = seq * (heads * qkDim + kvHeads * (qkDim + vDim) + heads * vDim) * elementBytes;
  return flops / bytes;
}

/**
 * One decoded token's attention over `context` cached tokens: F = 2·h·(d_score + d_value)·context;
 * Q = context × the KV-cache bytes of one token in one layer (the query and output are negligible).
 * For GQA d_score = d_value = head dim and the cache holds 2·g·d elements, so I ≈ 2·h/(g·e): the group
 * size bounds it. For MLA with the up-projections absorbed (V2TR §2.1.2) every head scores against the
 * shared latent, d_score = r_kv + d_rope and d_value = r_kv over a cache of r_kv + d_rope elements, so
 * I ≈ 2·h·(2·r_kv + d_rope)/((r_kv + d_rope)·e) — with 128 heads, over a hundred FLOP per byte.
 */
export function decodeAttentionIntensity(heads: number, scoreDim: number, valueDim: number, kvBytesPerTokenPerLayer: number): number {
  return (2 * heads * (scoreDim + valueDim)) / kvBytesPerTokenPerLayer;
}
