/**
 * The cost model's latency of a candidate operator on the declared GPU: the roofline
 * (src/cost/roofline.ts, Williams et al. 2009) with the operator's exact FLOPs (cost.ts) and its
 * compulsory HBM traffic — the input, the weights and the output, each read or written once, in fp32:
 *
 *     Q = 4 · (|x| + Σ_j |w_j| + |y|)   bytes
 *     t = F / min(P, B · F/Q) = max(F / P, Q / B)
 *
 * for F FLOPs, peak P FLOP/s and bandwidth B bytes/s (docs/formulas.md, "Operator search"). It is a
 * lower bound for one application of the operator (ideal tiling, no launch overhead); views are free.
 */
import type { LatencyTarget } from './api.js';
import { operatorFlops, operatorParams } from './cost.js';
import { shapeOf, volume } from './eval.js';
import type { Operator } from './ir.js';
import type { Binding } from './size.js';
import { rooflineAttainable } from '../cost/roofline.js';
import type { GpuIR } from '../ir/hardware.js';

/** Bytes per element: the fitness and the latency model count fp32 tensors. */
export const FP32_BYTES = 4;

export interface LatencyEstimate {
  readonly seconds: number;
  readonly flops: number;
  readonly bytes: number;
  readonly bound: 'compute' | 'memory';
}

/** max(F/P, Q/B) for the operator under `binding` (see the file comment). */
export function operatorLatency(op: Operator, binding: Binding, target: LatencyTarget): LatencyEstimate {
  const flops = operatorFlops(op, binding).flops;
  const elements = volume(shapeOf(op.input, binding)) + operatorParams(op, binding) + volume(shapeOf(op.outputs, binding));
  const bytes = FP32_BYTES * elements;
  if (!(target.peakFlopsPerSecond > 0) || !(target.bytesPerSecond > 0)) {
    throw new Error(`internal error: latency target \`${target.name}\` needs a positive peak and bandwidth; please report this`);
  }
  const memory = bytes / target.bytesPerSecond;
  if (flops === 0) return { seconds: memory, flops, bytes, bound: 'memory' };
  const seconds = flops / rooflineAttainable(target.peakFlopsPerSecond, target.bytesPerSecond, flops / bytes);
  return { seconds, flops, bytes, bound: flops / target.peakFlopsPerSecond >= memory ? 'compute' : 'memory' };
}

/**
 * The latency target of a GPU from the hardware IR: its fp32 peak (the fitness counts fp32), else
 * tf32, else the highest peak it declares; HBM bandwidth as declared.
 */
export function latencyTargetOf(gpu: GpuIR): LatencyTarget {
  const peaks = Object.values(gpu.peak).filter((v): v is number => typeof v === 'number');
  const peak = gpu.peak.fp32 ?? gpu.peak.tf32 ?? (peaks.length > 0 ? Math.max(...peaks) : 0);
  return { name: gpu.name, peakFlopsPerSecond: peak, bytesPerSecond: gpu.hbmBytesPerSecond };
}
