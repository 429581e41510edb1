/**
 * Precision assignment for training: which data type each class of tensor takes under a policy, what
 * that costs in bytes, and how large the error of FP8 accumulation is. Sources: DeepSeek-V3 technical
 * report (arXiv 2412.19437) §3.3, ISCA '25 (arXiv 2505.09343) §3.1. Every formula is in docs/formulas.md.
 */
import type { GpuIR } from '../ir/hardware.js';
import type { Precision } from '../ir/deploy.js';
import { DTYPE_BYTES } from '../semantics/schema.js';

export type Dtype = keyof typeof DTYPE_BYTES;

/** The tensor classes a training step holds or computes with, in report order. */
export const TENSOR_CLASSES = [
  'linearInputs',
  'linearWeights',
  'embedding',
  'outputHead',
  'moeGating',
  'norms',
  'attentionCore',
  'masterWeights',
  'workingWeights',
  'weightGradients',
  'adamMoments',
  'cachedActivations',
  'residualStream',
  'moeDispatch',
  'moeCombine',
] as const;
export type TensorClass = (typeof TENSOR_CLASSES)[number];

/** What the policy resolved to on this GPU: `auto` and a refused `fp8` become one of the two. */
export type ResolvedPolicy = 'bf16' | 'fp8';

/**
 * `auto` means FP8 GEMMs where the GPU has FP8 tensor cores; `fp8` on a GPU without them falls back to
 * BF16 (check.ts warns, KAS0414). A GPU "has FP8" when its `peak { fp8 = … }` is declared.
 */
export function resolvePolicy(p: Precision, gpu: GpuIR): ResolvedPolicy {
  if (p.kind === 'bf16') return 'bf16';
  return gpu.peak.fp8 !== undefined ? 'fp8' : 'bf16';
}

/**
 * The dtype of each tensor class. BF16 mixed precision (Megatron-LM convention): BF16 GEMMs, FP32
 * master weights, FP32 gradients, FP32 Adam moments. FP8 (V3TR §3.3): E4M3 GEMM inputs (activations
 * per 1×128 tile, weights per 128×128 block, FP32 scales); embedding, head, gating, norms and attention
 * stay BF16/FP32; FP32 master weights and gradients; BF16 AdamW moments; activations cached for the
 * backward pass in FP8; MoE dispatch in FP8, combine in BF16.
 */
export function dtypeTable(policy: ResolvedPolicy): Record<TensorClass, Dtype> {
  const fp8 = policy === 'fp8';
  return {
    linearInputs: fp8 ? 'e4m3' : 'bf16',
    linearWeights: fp8 ? 'e4m3' : 'bf16',
    embedding: 'bf16',
    outputHead: 'bf16',
    moeGating: 'fp32',
    norms: 'fp32',
    attentionCore: 'bf16',
    masterWeights: 'fp32',
    workingWeights: 'bf16',
    weightGradients: 'fp32',
    adamMoments: fp8 ? 'bf16' : 'fp32',
    cachedActivations: fp8 ? 'e4m3' : 'bf16',
    residualStream: 'bf16',
    moeDispatch: fp8 ? 'e4m3' : 'bf16',
    moeCombine: 'bf16',
  };
}

/** Bytes of training state per parameter, before any sharding, split by what holds them. */
export interface StateBytesPerParam {
  readonly weights: number;
  readonly gradients: number;
  /** FP32 master copy + two Adam moments: the part ZeRO-1 shards. */
  readonly optimizer: number;
}

/** weights = working dtype; gradients = gradient dtype; optimizer = master + 2 × moment. */
export function stateBytesPerParam(t: Record<TensorClass, Dtype>): StateBytesPerParam {
  return {
    weights: DTYPE_BYTES[t.workingWeights],
    gradients: DTYPE_BYTES[t.weightGradients],
    optimizer: DTYPE_BYTES[t.masterWeights] + 2 * DTYPE_BYTES[t.adamMoments],
  };
}

/**
 * Extra bytes of the fine-grained scales: one FP32 scale per `rows × cols` tile, i.e. 4 / (rows·cols)
 * bytes per element (1×128 activation tiles: 1/32 B per element; 128×128 weight blocks: 1/4096).
 */
export function scaleBytesPerElement(tile: readonly [number, number]): number {
  return 4 / (tile[0] * tile[1]);
}

/** Mantissa bits of an accumulator: FP32 23; Hopper's FP8 accumulator ("FP22", ISCA §3.1) ~13. */
export function accumulatorMantissaBits(acc: 'fp22' | 'fp32'): number {
  return acc === 'fp32' ? 23 : 13;
}

/**
 * Worst-case relative error of a K-long dot product summed in an accumulator of m mantissa bits that
 * rounds once per instruction of k products, truncating (toward zero, so the errors never cancel):
 * each of the ⌈K/k⌉ roundings loses at most one unit in the last place, 2^-m of the running sum, so
 *   ε_max = ⌈K / k⌉ · 2^-m.
 * Hopper (m = 13, wgmma k = 32), K = 4096: 128 · 2^-13 = 1.56%, the "nearly 2%" of V3TR §3.3.2.
 */
export function accumulationErrorBound(K: number, mantissaBits: number, instructionK: number): number {
  return Math.ceil(K / instructionK) * 2 ** -mantissaBits;
}

/**
 * Typical (root-mean-square) relative error of the same sum when the roundings are unbiased: each is
 * uniform in ±½ ulp (standard deviation 2^-m / √12), and n = ⌈K/k⌉ independent ones add in
 * quadrature: ε_rms = √n · 2^-m / √12. It shows how far the truncating hardware is from round-to-nearest.
 */
export function accumulationErrorRms(K: number, mantissaBits: number, instructionK: number): number {
  return (Math.sqrt(Math.ceil(K / instructionK)) * 2 ** -mantissaBits) / Math.sqrt(12);
}

/**
 * With promotion every N_C elements (V3TR §3.3.2): each N_C-long partial sum is rounded in the limited
 * accumulator, then added to an FP32 register: ε ≤ ⌈N_C/k⌉ · 2^-m + ⌈K/N_C⌉ · 2^-23 (the second
 * term is the FP32 accumulation of K/N_C partials, negligible). N_C = 128, k = 32: 4 · 2^-13 = 0.049%.
 */
export function promotedAccumulationErrorBound(K: number, mantissaBits: number, instructionK: number, promoteInterval: number): number {
  return accumulationErrorBound(Math.min(K, promoteInterval), mantissaBits, instructionK) + Math.ceil(K / promoteInterval) * 2 ** -23;
}

/**
 * The ideal speed-up of the training FLOPs from FP8 at peak: time at BF16 peak over time with the FP8
 * share at the FP8 peak and the rest at BF16, 1 / ((1 − f) + f · peak_bf16 / peak_fp8).
 */
export function fp8PeakSpeedup(fp8FlopFraction: number, peakBf16: number, peakFp8: number): number {
  return 1 / (1 - fp8FlopFraction + (fp8FlopFraction * peakBf16) / peakFp8);
}
