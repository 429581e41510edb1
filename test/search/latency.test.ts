/** The latency model (src/search/latency.ts): max(F/P, Q/B) with Q = 4·(|x| + params + |y|), by hand. */
import { describe, expect, it } from 'vitest';
import type { LatencyTarget } from '../../src/search/api.js';
import { conv2d, dense } from '../../src/search/library.js';
import { latencyTargetOf, operatorLatency } from '../../src/search/latency.js';
import { completeWith, outputDims, startState, type OperatorInterface } from '../../src/search/primitives.js';
import type { GpuIR } from '../../src/ir/hardware.js';

const H100: LatencyTarget = { name: 'H100', peakFlopsPerSecond: 67e12, bytesPerSecond: 3.35e12 };

describe('operatorLatency', () => {
  it('dense 4096 × 4096, one vector: memory-bound, Q/B', () => {
    const n = 4096;
    const e = operatorLatency(dense().operator, { C_in: n, C_out: n }, H100);
    const flops = n * (2 * n - 1);
    const bytes = 4 * (n + n * n + n);
    expect(e.flops).toBe(flops);
    expect(e.bytes).toBe(bytes);
    expect(e.bound).toBe('memory');
    expect(e.seconds).toBeCloseTo(bytes / 3.35e12, 18);
    expect(e.seconds).toBeGreaterThan(flops / 67e12);
  });
  it('conv2d 64 → 64 channels on 64 × 64, 3 × 3: compute-bound, F/P', () => {
    const b = { C_in: 64, C_out: 64, H: 64, W: 64, k: 3 };
    const e = operatorLatency(conv2d().operator, b, H100);
    const flops = 2 * 64 * 64 * 64 * 64 * 9 - 64 * 64 * 64; // cost.ts: C_out·H·W·(2·C_in·k² − 1)
    const bytes = 4 * (64 * 64 * 64 * 2 + 64 * 64 * 9);
    expect(e.flops).toBe(flops);
    expect(e.bytes).toBe(bytes);
    expect(e.bound).toBe('compute');
    expect(e.seconds).toBeCloseTo(flops / 67e12, 18);
  });
  it('no FLOPs (identity): the memory time', () => {
    const iface: OperatorInterface = { inputs: dense().iface.inputs, outputs: dense().iface.inputs };
    const identity = completeWith(startState(iface), iface, outputDims(iface), []);
    const e = operatorLatency(identity, { C_in: 1000 }, H100);
    expect(e.flops).toBe(0);
    expect(e.seconds).toBeCloseTo((4 * 2000) / 3.35e12, 20);
  });
});

describe('latencyTargetOf', () => {
  const gpu = (peak: GpuIR['peak']) => ({ name: 'X', hbmBytesPerSecond: 2e12, peak }) as unknown as GpuIR;
  it('takes the fp32 peak, else tf32, else the highest', () => {
    expect(latencyTargetOf(gpu({ fp32: 19.5e12, tf32: 156e12, bf16: 312e12 }))).toEqual({ name: 'X', peakFlopsPerSecond: 19.5e12, bytesPerSecond: 2e12 });
    expect(latencyTargetOf(gpu({ tf32: 156e12, bf16: 312e12 })).peakFlopsPerSecond).toBe(156e12);
    expect(latencyTargetOf(gpu({ bf16: 312e12, fp8: 624e12 })).peakFlopsPerSecond).toBe(624e12);
  });
});
