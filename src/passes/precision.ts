/**
 * The precision pass: resolves a training run's precision policy (`bf16`, `fp8`, `auto`) on its GPU
 * into a dtype per tensor class, the bytes per parameter of the training state, the share of the FLOPs
 * that run on FP8 tensor cores and what that is worth at peak, and the error of FP8 accumulation with
 * and without promotion. An `fp8` request on a GPU without FP8 is warned about by check.ts (KAS0414);
 * here it resolves to the BF16 fallback the warning names.
 */
import type { DeploymentIR, TrainIR } from '../ir/deploy.js';
import type { DeploymentPass } from './pass.js';
import {
  TENSOR_CLASSES,
  accumulationErrorBound,
  accumulationErrorRms,
  accumulatorMantissaBits,
  dtypeTable,
  fp8PeakSpeedup,
  promotedAccumulationErrorBound,
  resolvePolicy,
  scaleBytesPerElement,
  stateBytesPerParam,
  type Dtype,
  type ResolvedPolicy,
  type StateBytesPerParam,
  type TensorClass,
} from '../cost/train-precision.js';
import { trainFlopSplit, type TrainFlopSplit } from '../cost/train-step.js';
import { DTYPE_BYTES } from '../semantics/schema.js';
import { percent, si } from '../emit/report/format.js';

export interface AccumulationEstimate {
  /** Inner dimension of the GEMM. */
  readonly k: number;
  /** Worst case with the GPU's FP8 accumulator alone. */
  readonly errorBound: number;
  /** Typical value if the roundings were unbiased. */
  readonly errorRms: number;
  /** Worst case with promotion to FP32 every N_C elements; null without promotion (bf16 policy). */
  readonly promotedErrorBound: number | null;
}

export interface PrecisionResult {
  readonly requested: 'bf16' | 'fp8' | 'auto';
  readonly policy: ResolvedPolicy;
  /** True when `fp8` was asked of a GPU without FP8 and BF16 was used instead. */
  readonly fellBack: boolean;
  readonly dtypes: Record<TensorClass, Dtype>;
  readonly bytesPerParam: StateBytesPerParam;
  /** Bytes of one cached activation element (the backward pass's saved GEMM inputs). */
  readonly activationBytes: number;
  /** Bytes per element of the MoE dispatch and combine, FP8 scales included. */
  readonly dispatchBytes: number;
  readonly combineBytes: number;
  readonly scaling: { readonly activationTile: readonly [number, number]; readonly weightBlock: readonly [number, number]; readonly promoteInterval: number } | null;
  readonly flops: TrainFlopSplit & { readonly fp8Fraction: number; readonly idealSpeedupAtPeak: number };
  readonly accumulator: { readonly kind: 'fp22' | 'fp32'; readonly mantissaBits: number; readonly instructionK: number | null };
  readonly accumulation: readonly AccumulationEstimate[];
}

/**
 * The inner dimension of DeepSeek's accumulation experiment (V3TR §3.3.2: "nearly 2%" at K = 4096),
 * always reported so that the estimate can be set beside the measurement.
 */
const PUBLISHED_K = 4096;

/** Tile and promotion defaults of the `fp8` variant, used when `auto` resolves to FP8 (schema defaults). */
const FP8_DEFAULTS = { activationTile: [1, 128] as const, weightBlock: [128, 128] as const, promoteInterval: 128 };

export function assignPrecision(d: TrainIR): PrecisionResult {
  const gpu = d.cluster.node.gpu;
  const policy = resolvePolicy(d.precision, gpu);
  const dtypes = dtypeTable(policy);
  const scaling = policy === 'fp8' ? (d.precision.kind === 'fp8' ? { activationTile: d.precision.activationTile, weightBlock: d.precision.weightBlock, promoteInterval: d.precision.promoteInterval } : FP8_DEFAULTS) : null;
  const actScale = scaling ? scaleBytesPerElement(scaling.activationTile) : 0;
  const split = trainFlopSplit(d.model, d.sequence, policy === 'fp8');
  const total = split.fp8GemmPerToken + split.bf16GemmPerToken + split.attentionPerToken;
  const fp8Fraction = split.fp8GemmPerToken / total;
  const bf16 = gpu.peak.bf16 ?? gpu.peak.fp16;
  const idealSpeedupAtPeak = bf16 !== undefined && gpu.peak.fp8 !== undefined ? fp8PeakSpeedup(fp8Fraction, bf16, gpu.peak.fp8) : 1;
  const mantissaBits = accumulatorMantissaBits(gpu.fp8Accumulator);
  const instructionK = gpu.fp8InstructionK ?? 1;
  const ks = [...new Set([PUBLISHED_K, d.model.hidden, ...innerDims(d)])].sort((a, b) => a - b);
  // Only a GPU with FP8 tensor cores has an FP8 accumulator to estimate.
  const accumulation = (gpu.peak.fp8 === undefined ? [] : ks).map((k) => ({
    k,
    errorBound: accumulationErrorBound(k, mantissaBits, instructionK),
    errorRms: accumulationErrorRms(k, mantissaBits, instructionK),
    promotedErrorBound: scaling ? promotedAccumulationErrorBound(k, mantissaBits, instructionK, scaling.promoteInterval) : null,
  }));
  return {
    requested: d.precision.kind,
    policy,
    fellBack: d.precision.kind === 'fp8' && policy === 'bf16',
    dtypes,
    bytesPerParam: stateBytesPerParam(dtypes),
    activationBytes: DTYPE_BYTES[dtypes.cachedActivations] + actScale,
    dispatchBytes: DTYPE_BYTES[dtypes.moeDispatch] + (dtypes.moeDispatch === 'e4m3' ? actScale : 0),
    combineBytes: DTYPE_BYTES[dtypes.moeCombine],
    scaling,
    flops: { ...split, fp8Fraction, idealSpeedupAtPeak },
    accumulator: { kind: gpu.fp8Accumulator, mantissaBits, instructionK: gpu.fp8InstructionK },
    accumulation,
  };
}

/** The other inner dimensions of the model's GEMMs: FFN and expert widths (the down projections' K). */
function innerDims(d: TrainIR): number[] {
  const m = d.model;
  return [...(m.ffn ? [m.ffn.intermediate] : []), ...(m.moe ? [m.moe.expert.intermediate] : [])];
}

const CLASS_LABELS: Record<TensorClass, string> = {
  linearInputs: 'linear-layer inputs (GEMM activations)',
  linearWeights: 'linear-layer weights in GEMMs',
  embedding: 'embedding',
  outputHead: 'output head',
  moeGating: 'MoE gating',
  norms: 'normalization',
  attentionCore: 'attention (scores, softmax, values)',
  masterWeights: 'master weights',
  workingWeights: 'working weights (stored)',
  weightGradients: 'weight gradients',
  adamMoments: 'AdamW moments',
  cachedActivations: 'activations cached for backward',
  residualStream: 'residual stream',
  moeDispatch: 'MoE dispatch (all-to-all)',
  moeCombine: 'MoE combine (all-to-all)',
};

export const precisionPass: DeploymentPass<PrecisionResult> = {
  name: 'precision',
  title: 'Precision',
  run: (d) => (d.kind === 'train' ? assignPrecision(d) : undefined),
  toJson: (r) => r,
  toMarkdown(r: PrecisionResult, d: DeploymentIR) {
    const gpu = d.cluster.node.gpu.name;
    const head = r.fellBack
      ? `\`fp8\` was requested, but \`${gpu}\` has no FP8 tensor cores: GEMMs fall back to BF16 (warning KAS0414).`
      : `Policy \`${r.requested}\` on \`${gpu}\`: ${r.policy === 'fp8' ? 'FP8 (E4M3) GEMMs with fine-grained scaling' : 'BF16 GEMMs'}.`;
    const rows = TENSOR_CLASSES.map((c) => `| ${CLASS_LABELS[c]} | ${r.dtypes[c]} |`);
    const b = r.bytesPerParam;
    const acc = r.accumulation.length === 0
      ? [`\`${gpu}\` has no FP8 tensor cores, so there is no FP8 accumulation to estimate.`]
      : [
          `FP8 accumulation in \`${r.accumulator.kind}\` (${r.accumulator.mantissaBits} mantissa bits, ${r.accumulator.instructionK === null ? 'every product rounds' : `${r.accumulator.instructionK} products per rounding`}), relative error of one K-long dot product (docs/formulas.md):`,
          '',
          '| K | worst case, accumulator alone | typical if rounding were unbiased | worst case, with promotion |',
          '| ---: | ---: | ---: | ---: |',
          ...r.accumulation.map((a) => `| ${a.k} | ${percent(a.errorBound, 3)} | ${percent(a.errorRms, 4)} | ${a.promotedErrorBound === null ? '— (no FP8 GEMMs)' : percent(a.promotedErrorBound, 3)} |`),
        ];
    const out = [
      head,
      '',
      '| tensor class | dtype |',
      '| --- | ---: |',
      ...rows,
      '',
      `Training state per parameter: ${b.weights} B weights + ${b.gradients} B gradients + ${b.optimizer} B optimizer (master + 2 moments) = ${b.weights + b.gradients + b.optimizer} B; cached activations ${r.activationBytes.toFixed(4).replace(/\.?0+$/, '')} B per element; dispatch ${r.dispatchBytes.toFixed(4).replace(/\.?0+$/, '')} B, combine ${r.combineBytes} B per element.`,
      '',
      `Training FLOPs per token: ${si(r.flops.fp8GemmPerToken, 'FLOP')} on FP8 tensor cores, ${si(r.flops.bf16GemmPerToken, 'FLOP')} BF16 GEMMs (head, gating${r.policy === 'bf16' ? ', and every linear layer' : ''}), ${si(r.flops.attentionPerToken, 'FLOP')} attention (causal): ${percent(r.flops.fp8Fraction)} in FP8, an ideal ${r.flops.idealSpeedupAtPeak.toFixed(2)}× over all-BF16 at peak.`,
      '',
      ...acc,
    ];
    if (r.scaling) out.push('', `Scaling: activations per ${r.scaling.activationTile.join('×')} tile, weights per ${r.scaling.weightBlock.join('×')} block (FP32 scales); partial sums promoted to FP32 every ${r.scaling.promoteInterval} elements.`);
    return out.join('\n');
  },
};
