import { describe, expect, it } from 'vitest';
import { compileText, codes, SMALL_HARDWARE } from './fixtures.js';
import {
  accumulationErrorBound,
  accumulationErrorRms,
  dtypeTable,
  fp8PeakSpeedup,
  promotedAccumulationErrorBound,
  scaleBytesPerElement,
  stateBytesPerParam,
} from '../../src/cost/train-precision.js';
import type { PrecisionResult } from '../../src/passes/precision.js';

const MODEL = `
model M {
  vocab = 1000
  hidden = 512
  layers = 2
  attention = gqa { heads = 8  kv_heads = 2 }
  ffn = swiglu { intermediate = 1024 }
}`;

function precisionOf(text: string, name: string): PrecisionResult {
  const r = compileText(text);
  const d = r.analysis!.deployments.find((x) => x.name === name)!;
  return r.analysis!.passResults.get(d)!.find((p) => p.pass.name === 'precision')!.result as PrecisionResult;
}

describe('FP8 accumulation error', () => {
  it('explains the ~2% of V3TR at K = 4096 with a 13-bit truncating accumulator over 32-product instructions', () => {
    expect(accumulationErrorBound(4096, 13, 32)).toBeCloseTo(128 / 8192, 12); // 1.5625%
    expect(accumulationErrorBound(4096, 13, 32)).toBeGreaterThan(0.01);
    expect(accumulationErrorBound(4096, 13, 32)).toBeLessThan(0.02);
  });
  it('promotion every 128 cuts the error by K / N_C', () => {
    const promoted = promotedAccumulationErrorBound(4096, 13, 32, 128);
    expect(promoted).toBeCloseTo(4 / 8192 + 32 * 2 ** -23, 12);
    expect(accumulationErrorBound(4096, 13, 32) / promoted).toBeGreaterThan(30);
  });
  it('unbiased rounding would grow only as sqrt(n)', () => {
    expect(accumulationErrorRms(4096, 13, 32)).toBeCloseTo(Math.sqrt(128) * 2 ** -13 / Math.sqrt(12), 12);
  });
  it('an FP32 accumulator is exact enough at any K of interest', () => {
    expect(accumulationErrorBound(18432, 23, 32)).toBeLessThan(1e-4);
  });
});

describe('dtype table and bytes', () => {
  it('follows V3TR §3.3 under fp8', () => {
    const t = dtypeTable('fp8');
    expect([t.linearInputs, t.embedding, t.outputHead, t.moeGating, t.attentionCore, t.masterWeights, t.adamMoments, t.cachedActivations, t.moeDispatch, t.moeCombine]).toEqual(['e4m3', 'bf16', 'bf16', 'fp32', 'bf16', 'fp32', 'bf16', 'e4m3', 'e4m3', 'bf16']);
    expect(stateBytesPerParam(t)).toEqual({ weights: 2, gradients: 4, optimizer: 8 });
  });
  it('keeps FP32 moments under bf16: 18 B per parameter', () => {
    const b = stateBytesPerParam(dtypeTable('bf16'));
    expect(b.weights + b.gradients + b.optimizer).toBe(18);
  });
  it('counts the FP32 scales', () => {
    expect(scaleBytesPerElement([1, 128])).toBe(1 / 32);
    expect(scaleBytesPerElement([128, 128])).toBe(1 / 4096);
  });
  it('peak speed-up: all FP8 at twice the peak is 2x, none is 1x', () => {
    expect(fp8PeakSpeedup(1, 989, 1979)).toBeCloseTo(1979 / 989, 9);
    expect(fp8PeakSpeedup(0, 989, 1979)).toBe(1);
  });
});

describe('precision pass', () => {
  it('resolves auto to FP8 on a GPU with FP8, and reports the FP8 share of the FLOPs', () => {
    const r = precisionOf(`${SMALL_HARDWARE}${MODEL}\ntrain T { model = M  on = C  sequence = 1024  batch = 64  precision = auto }`, 'T');
    expect(r.policy).toBe('fp8');
    expect(r.fellBack).toBe(false);
    expect(r.scaling?.promoteInterval).toBe(128);
    expect(r.flops.fp8Fraction).toBeGreaterThan(0);
    expect(r.flops.fp8Fraction).toBeLessThan(1);
    expect(r.accumulation.map((a) => a.k)).toContain(4096);
  });
  it('falls back to BF16 for fp8 on a GPU without FP8, with the existing KAS0414 warning only once', () => {
    const hw = SMALL_HARDWARE.replace('fp8 = 1979 TFLOP/s', '');
    const text = `${hw}${MODEL}\ntrain T { model = M  on = C  sequence = 1024  batch = 64  precision = fp8 }`;
    const r = precisionOf(text, 'T');
    expect(r.policy).toBe('bf16');
    expect(r.fellBack).toBe(true);
    expect(r.accumulation).toEqual([]);
    expect(codes(compileText(text)).filter((c) => c === 'KAS0414')).toHaveLength(1);
  });
});
