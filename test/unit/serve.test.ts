/**
 * The serving model (src/cost/serve.ts, src/passes/serve.ts): ISCA '25 §2.3.2's decode speed limit
 * (14.76 ms with hidden 7000, 15.11 ms with 7168, 0.82 ms on GB200 NVL72), the local-deployment case,
 * and the diagnostics of layouts that do not fit.
 */
import { describe, expect, it } from 'vitest';
import * as path from 'node:path';
import { compile } from '../../src/passes/index.js';
import type { ServeResult } from '../../src/passes/serve.js';
import {
  allToAllBytesPerDevice,
  decodePeak,
  expectedExpertsTouched,
  expertGroupsFitNvlink,
  kvCapacityTokens,
  microBatches,
  nicBandwidthPerGpu,
  tpotFromBounds,
  transferSeconds,
} from '../../src/cost/serve.js';
import { codes, memoryReader, ROOT } from './fixtures.js';

function serve(file: string, text?: string) {
  const abs = path.join(ROOT, file);
  const r = compile(abs, memoryReader(text === undefined ? {} : { [abs]: text }), ROOT);
  const d = r.analysis?.deployments[0];
  const result = d ? (r.analysis!.passResults.get(d) ?? []).find((x) => x.pass.name === 'serve')?.result : undefined;
  return { r, s: result as ServeResult | undefined };
}

describe('formulas', () => {
  it('ISCA §2.3.2: (1 + 2) B × 32 × 9 × 7000 = 6.048 MB; over 50 GB/s, 120.96 µs; over 900 GB/s, 6.72 µs', () => {
    const bytes = allToAllBytesPerDevice(32, 9, 7000, 1, 2);
    expect(bytes).toBe(6_048_000);
    expect(transferSeconds(bytes, 50e9)).toBeCloseTo(120.96e-6, 12);
    expect(transferSeconds(bytes, 900e9)).toBeCloseTo(6.72e-6, 12);
    expect(2 * 61 * transferSeconds(bytes, 50e9)).toBeCloseTo(14.757e-3, 6);
  });
  it('micro-batches, NIC bandwidth per GPU, NVLink fit', () => {
    expect(microBatches('dual_microbatch')).toBe(2);
    expect(microBatches('none')).toBe(1);
    expect(nicBandwidthPerGpu(8, 50e9, 8)).toBe(50e9);
    expect(nicBandwidthPerGpu(1, 25e9, 8)).toBe(3.125e9);
    expect(expertGroupsFitNvlink(256, 8, 8, 2048)).toBe(false); // H800: EP256 spans 32 nodes
    expect(expertGroupsFitNvlink(64, 1, 72, 72)).toBe(true); // one EP64 group in an NVL72 rack
    expect(expertGroupsFitNvlink(64, 2, 72, 72)).toBe(false); // two groups need two racks
    expect(expertGroupsFitNvlink(8, 9, 72, 72)).toBe(true);
  });
  it('expected experts touched: one token touches top-k; many tokens touch all', () => {
    expect(expectedExpertsTouched(160, 160, 6, 1)).toBeCloseTo(6, 10);
    expect(expectedExpertsTouched(1, 256, 8, 8192)).toBeCloseTo(1, 6);
    expect(expectedExpertsTouched(4, 256, 8, 2)).toBeLessThan(0.25);
  });
  it('decode peak follows the weight dtype, falling back to BF16', () => {
    const h800 = { fp8: 1979e12, bf16: 989e12, fp32: 67e12 };
    expect(decodePeak(h800, 'fp8')).toEqual({ dtype: 'fp8', flopsPerSecond: 1979e12 });
    expect(decodePeak(h800, 'int4')).toEqual({ dtype: 'bf16', flopsPerSecond: 989e12 });
    expect(decodePeak({ int8: 624e12, bf16: 312e12 }, 'int4')).toEqual({ dtype: 'int8', flopsPerSecond: 624e12 });
    expect(decodePeak({}, 'bf16')).toBeNull();
  });
  it('TPOT: the largest bound with overlap, all-to-all + GPU time without', () => {
    expect(tpotFromBounds(3, 2, 1, true)).toBe(3);
    expect(tpotFromBounds(3, 2, 1, false)).toBe(5);
    expect(tpotFromBounds(0, 2, 4, false)).toBe(4);
  });
  it('KV capacity', () => {
    expect(kvCapacityTokens(1000, 70)).toBe(14);
    expect(kvCapacityTokens(-5, 70)).toBe(0);
  });
});

describe('ISCA §2.3.2 reproduced', () => {
  it('hidden 7000 (test/golden/passes/serve-isca-hidden-7000.kas): 120.96 µs per layer, 14.76 ms, 67.8 tokens/s, all-to-all binds', () => {
    const { r, s } = serve('test/golden/passes/serve-isca-hidden-7000.kas');
    expect(codes(r)).toEqual([]);
    expect(s!.bounds.comm.link).toBe('nic');
    expect(s!.bounds.comm.bandwidth).toBe(50e9);
    expect(s!.bounds.comm.perLayerSeconds).toBeCloseTo(120.96e-6, 12);
    expect(s!.tpotSeconds).toBeCloseTo(14.757e-3, 6);
    expect(s!.tokensPerSecond).toBeCloseTo(67.8, 1);
    expect(s!.binding).toBe('comm');
  });
  it('hidden 7168 (examples/deepseek-v3-serve.kas): 15.11 ms', () => {
    const { r, s } = serve('examples/deepseek-v3-serve.kas');
    expect(r.diagnostics.items.filter((d) => d.severity === 'error')).toEqual([]);
    expect(s!.tpotSeconds * 1e3).toBeCloseTo(15.11, 2);
    expect(s!.binding).toBe('comm');
    // at the NICs' effective 40 GB/s the same traffic takes 25% longer
    expect(s!.bounds.comm.atAchievableTpotSeconds! / s!.bounds.comm.tpotSeconds).toBeCloseTo(1.25, 10);
  });
  it('GB200 NVL72 at 900 GB/s (serve-gb200-nvl72.kas): the all-to-all bound is 6.72 µs per layer, 0.82 ms, ~1200 tokens/s — and HBM binds', () => {
    const { r, s } = serve('test/golden/passes/serve-gb200-nvl72.kas');
    expect(codes(r)).toEqual([]);
    expect(s!.bounds.comm.link).toBe('nvlink');
    expect(s!.bounds.comm.perLayerSeconds).toBeCloseTo(6.72e-6, 12);
    expect(s!.bounds.comm.tpotSeconds * 1e3).toBeCloseTo(0.82, 2);
    expect(s!.bounds.comm.tokensPerSecond!).toBeGreaterThan(1200);
    expect(s!.bounds.comm.tokensPerSecond!).toBeLessThan(1250);
    expect(s!.binding).toBe('hbm');
    expect(s!.tpotSeconds).toBeGreaterThan(s!.bounds.comm.tpotSeconds);
  });
  it('local deployment (serve-local-soc.kas): DeepSeek-V2, int4 weights, 256 GB/s: HBM binds at ~24 tokens/s, above ISCA’s "nearly 20"', () => {
    const { r, s } = serve('test/golden/passes/serve-local-soc.kas');
    expect(codes(r)).toEqual([]);
    expect(s!.bounds.comm.link).toBe('none');
    expect(s!.binding).toBe('hbm');
    // every activated weight once per token, at half a byte: 21B × 0.5 B ≈ 10.4 GB
    expect(s!.bounds.hbm.weightBytesPerStep / 1e9).toBeCloseTo(10.43, 1);
    expect(s!.tokensPerSecond).toBeGreaterThan(20);
    expect(s!.tokensPerSecond).toBeLessThan(25);
  });
});

describe('overlap and diagnostics', () => {
  const base = (extra: string) => `import "models/deepseek-v3"
import "clusters/deepseek-h800"
serve S {
  model = DeepSeekV3
  on = DeepSeekH800
  tokens_per_device = 32
  weights = fp8
  dispatch = fp8
  combine = bf16
  ${extra}
  parallel { expert = 256 }
}
`;
  it('without overlap, one micro-batch: TPOT = all-to-all + max(HBM, compute)', () => {
    const { s } = serve('test/unit/virtual-serve.kas', base('overlap = none'));
    expect(s!.microBatches).toBe(1);
    expect(s!.tpotSeconds).toBeCloseTo(s!.bounds.comm.tpotSeconds + Math.max(s!.bounds.hbm.tpotSeconds, s!.bounds.compute!.tpotSeconds), 12);
    expect(s!.bounds.comm.tpotSeconds * 1e3).toBeCloseTo(15.11 / 2, 2);
  });
  it('a context adds KV reads to the HBM bound and sizes the requests that fit', () => {
    const { s } = serve('test/unit/virtual-serve.kas', base('overlap = dual_microbatch\n  context = 4096'));
    expect(s!.bounds.hbm.kvBytesPerStep).toBeCloseTo(2 * 32 * 4096 * 70_272, 0);
    expect(s!.memory.kvCapacityRequestsPerGpu).toBe(Math.floor(s!.memory.kvCapacityTokensPerGpu / 4096));
  });
  it('KAS0580: weights that do not fit; KAS0581: KV in flight that does not fit; KAS0582: prefill', () => {
    expect(codes(serve('test/golden/errors/serve-weights-do-not-fit.kas').r)).toEqual(['KAS0580']);
    expect(codes(serve('test/golden/errors/serve-kv-does-not-fit.kas').r)).toEqual(['KAS0581']);
    expect(codes(serve('test/unit/virtual-serve.kas', base('phase = prefill')).r)).toEqual(['KAS0582']);
  });
});
