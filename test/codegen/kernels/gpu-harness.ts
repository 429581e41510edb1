/**
 * Shared set-up of the per-kernel GPU tests: the one Dawn device (src/gpu), seeded inputs, and
 * comparisons that report the worst element. Without an adapter the tests are skipped locally and
 * FAIL when CI is set (the CI machine must have a CPU driver: scripts/ensure-system-packages.sh).
 */
import { expect } from 'vitest';
import { type GpuContext, acquireGpu } from '../../../src/gpu/device.js';
import { mulberry32 } from '../../../src/util/rng.js';

export interface Gpu {
  readonly ctx: GpuContext | null;
  readonly error: Error | null;
}

export async function gpuForTests(): Promise<Gpu> {
  try {
    return { ctx: await acquireGpu(), error: null };
  } catch (e) {
    return { ctx: null, error: e instanceof Error ? e : new Error(String(e)) };
  }
}

/** Skip locally without an adapter; under CI=true, never skip: the suite runs and fails on the missing adapter. */
export function shouldRun(g: Gpu): boolean {
  return g.ctx !== null || Boolean(process.env['CI']);
}

export function requireCtx(g: Gpu): GpuContext {
  if (!g.ctx) throw new Error(`WebGPU adapter required (CI is set, so this fails instead of skipping): ${g.error?.message}`);
  return g.ctx;
}

/** The kernel generators' view of a device's limits: the host's own function. */
export { kernelLimits as deviceLimits } from '../../../src/codegen/host.js';

export function randomArray(n: number, seed: number, scale = 1): Float32Array {
  const r = mulberry32(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (r() * 2 - 1) * scale;
  return a;
}

/** |got − want| ≤ atol + rtol·|want| everywhere; the failure names the worst index. */
export function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, atol: number, rtol = 0, what = 'values'): void {
  expect(got.length, `${what}: length`).toBe(want.length);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!;
    const w = want[i]!;
    const excess = Math.abs(g - w) - (atol + rtol * Math.abs(w));
    if (!(excess <= 0) && (worst < 0 || excess > worstExcess || Number.isNaN(excess))) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) expect.fail(`${what}: index ${worst}: got ${got[worst]}, want ${want[worst]} (atol ${atol}, rtol ${rtol})`);
}

export function expectEqualU32(got: ArrayLike<number>, want: ArrayLike<number>, what = 'values'): void {
  expect(got.length, `${what}: length`).toBe(want.length);
  for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) expect.fail(`${what}: index ${i}: got ${got[i]}, want ${want[i]}`);
}
