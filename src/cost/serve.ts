/**
 * The decode serving model: lower bounds on the time per output token (TPOT) from the expert-parallel
 * all-to-all (ISCA '25 §2.3.2, generalized), from HBM traffic (weights and KV cache read per step) and
 * from compute, and the KV-cache capacity left beside the weights. Every formula is listed in
 * docs/formulas.md (Serving model) with its source.
 *
 * Conventions (ISCA §2.3.2): a device processes `tokensPerDevice` tokens per micro-batch; each token is
 * dispatched to its top-k routed experts plus the shared experts, all taken as remote, in the dispatch
 * dtype, and combined back in the combine dtype; latency is ignored. With two micro-batches, one's
 * all-to-all overlaps the other's compute, so the link carries both: a layer costs 2 × one all-to-all.
 */
import type { ModelIR } from '../ir/model.js';
import type { PeakDtype } from '../ir/hardware.js';
import { DTYPE_BYTES } from '../semantics/schema.js';

export type Dtype = keyof typeof DTYPE_BYTES;

/** Bytes per element of a data type name (`fp8` → 1, `int4` → 0.5). */
export function dtypeBytes(dtype: string): number {
  const b = (DTYPE_BYTES as Record<string, number>)[dtype];
  if (b === undefined) throw new Error(`internal error: no width for data type \`${dtype}\``);
  return b;
}

/**
 * Bytes one device sends and receives in one layer's all-to-all (ISCA §2.3.2):
 * (dispatch bytes + combine bytes) × tokens × experts per token × hidden.
 * ISCA: (1 + 2) × 32 × 9 × 7000 = 6.048 MB.
 */
export function allToAllBytesPerDevice(tokens: number, expertsPerToken: number, hidden: number, dispatchBytes: number, combineBytes: number): number {
  return (dispatchBytes + combineBytes) * tokens * expertsPerToken * hidden;
}

/** Time to move `bytes` over a link of `bytesPerSecond`, latency ignored (ISCA: 6.048 MB / 50 GB/s = 120.96 µs). */
export function transferSeconds(bytes: number, bytesPerSecond: number): number {
  return bytes / bytesPerSecond;
}

/** Micro-batches a decode step is split into: two when they overlap compute with communication (ISCA §2.3.2, V3TR §3.4.2). */
export function microBatches(overlap: 'none' | 'dual_microbatch'): number {
  return overlap === 'dual_microbatch' ? 2 : 1;
}

/**
 * Whether the expert-parallel groups fit inside NVLink domains, so the all-to-all stays on NVLink:
 * each group must fit in one domain (ep ≤ domain) and the domains must hold all groups
 * (⌊domain / ep⌋ × domains ≥ groups). Otherwise it crosses the scale-out NICs.
 */
export function expertGroupsFitNvlink(ep: number, groups: number, domain: number, totalGpus: number): boolean {
  if (ep > domain) return false;
  const domains = Math.floor(totalGpus / domain);
  return Math.floor(domain / ep) * domains >= groups;
}

/** Scale-out bandwidth per GPU: NICs per node × NIC bandwidth ÷ GPUs per node (H800 node: 8 × 50 GB/s ÷ 8 = 50 GB/s). */
export function nicBandwidthPerGpu(nics: number, nicBytesPerSecond: number, gpusPerNode: number): number {
  return (nics * nicBytesPerSecond) / gpusPerNode;
}

/**
 * Expected number of a GPU's `held` experts that at least one token picks, when `tokens` tokens each
 * choose `topK` of `routed` experts uniformly: held × (1 − (1 − k/E)^tokens). One token on one GPU
 * holding every expert touches exactly k.
 */
export function expectedExpertsTouched(held: number, routed: number, topK: number, tokens: number): number {
  return held * (1 - Math.pow(1 - topK / routed, tokens));
}

/**
 * The peak a decode GEMM runs at with weights of `weights` dtype: FP8 weights on the FP8 path; 8-bit
 * integers on INT8; 4-bit weights on FP4, else INT8, else dequantized to BF16; otherwise the weight
 * dtype's own path, falling back to BF16 (then FP16, FP32) where the GPU declares no such peak.
 */
export function decodePeak(peak: Partial<Record<PeakDtype, number>>, weights: string): { dtype: PeakDtype; flopsPerSecond: number } | null {
  const prefs: Record<string, PeakDtype[]> = {
    fp8: ['fp8'],
    e4m3: ['fp8'],
    e5m2: ['fp8'],
    int8: ['int8'],
    int4: ['fp4', 'int8'],
    fp4: ['fp4', 'int8'],
    bf16: ['bf16'],
    fp16: ['fp16'],
    tf32: ['tf32'],
    fp32: ['fp32'],
  };
  for (const d of [...(prefs[weights] ?? []), 'bf16', 'fp16', 'fp32'] as PeakDtype[]) {
    const v = peak[d];
    if (v !== undefined) return { dtype: d, flopsPerSecond: v };
  }
  return null;
}

/**
 * Decode attention FLOPs per token per layer over a cache of `context` tokens: every cached token's
 * key and value, 2·n·(d_qk + d_v)·context (no causal halving: the new token sees the whole cache).
 */
export function decodeAttentionFlops(heads: number, qkDim: number, vDim: number, context: number): number {
  return 2 * heads * (qkDim + vDim) * context;
}

/** KV-cache bytes one GPU keeps per token: bytes per token ÷ pipeline stages ÷ the tensor-parallel split of kv heads (MLA's latent is not split). */
export function kvBytesPerTokenPerGpu(model: ModelIR, bytesPerToken: number, pipeline: number, tensor: number): number {
  const a = model.attention;
  const split = a.kind === 'mla' ? 1 : Math.min(tensor, a.kvHeads);
  return bytesPerToken / pipeline / split;
}

/** Tokens whose KV cache fits in the memory left beside the weights: ⌊free ÷ KV bytes per token⌋. */
export function kvCapacityTokens(freeBytes: number, kvBytesPerToken: number): number {
  return freeBytes <= 0 ? 0 : Math.floor(freeBytes / kvBytesPerToken);
}

/**
 * Time per output token from its bounds: with overlapped micro-batches the link and the GPU work in
 * parallel, so the slowest binds: max(comm, hbm, compute); without overlap the all-to-all waits for
 * the GPU: comm + max(hbm, compute) (HBM and compute overlap inside the kernels either way, a roofline).
 */
export function tpotFromBounds(comm: number, hbm: number, compute: number, overlapped: boolean): number {
  return overlapped ? Math.max(comm, hbm, compute) : comm + Math.max(hbm, compute);
}
