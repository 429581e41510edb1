/**
 * WebGPU through npm `webgpu` (Dawn) on whatever adapter this machine has — on CI a CPU driver
 * (Mesa llvmpipe through Dawn's OpenGL ES backend; scripts/ensure-system-packages.sh installs it).
 * With CI set, a missing adapter is a failure; locally the GPU cases are skipped with the reason.
 */
import { describe, expect, it } from 'vitest';
import { acquireGpu, backendOrder, describeGpu, isCpuDriver, type GpuContext } from '../../src/gpu/device.js';
import { runKernelOnce } from '../../src/gpu/kernel-runner.js';
import { chooseMatmulConfig, generateMatmulWGSL, matmulDispatch } from '../../src/codegen/kernels/matmul.js';
import { mulberry32 } from '../../src/util/rng.js';

const gpu: GpuContext | Error = await acquireGpu().then(
  (g) => g,
  (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
);
const haveGpu = !(gpu instanceof Error);

describe('WebGPU adapter', () => {
  it('chooses backends from the environment (pure)', () => {
    expect(backendOrder({})).toEqual(['vulkan', 'opengles']);
    expect(backendOrder({ KASC_WEBGPU_BACKEND: 'opengles' })).toEqual(['opengles']);
    expect(isCpuDriver({ vendor: '', architecture: '', device: 'llvmpipe-llvm-15-0-6-256-bits-', description: '' })).toBe(true);
    expect(isCpuDriver({ vendor: 'nvidia', architecture: 'hopper', device: 'NVIDIA H200', description: '' })).toBe(false);
  });

  // Always runs, so CI never reports this file as skipped: with CI set, a missing adapter is a failure.
  it('has an adapter wherever CI runs', () => {
    if (process.env['CI']) expect(gpu instanceof Error ? gpu.message : describeGpu(gpu)).not.toMatch(/^no WebGPU adapter/);
  });

  it.skipIf(!haveGpu)('runs a generated GEMM and matches a CPU loop', async () => {
    const { device, cpuDriver } = gpu as GpuContext;
    const [M, N, K] = [37, 96, 64];
    const r = mulberry32(5);
    const a = Float32Array.from({ length: M * K }, () => r() * 2 - 1);
    const b = Float32Array.from({ length: N * K }, () => r() * 2 - 1);
    const cfg = chooseMatmulConfig({ m: M, n: N, k: K }, device.limits, cpuDriver ? 'cpu' : 'gpu');
    const kernel = generateMatmulWGSL(cfg, device.limits);
    const { c } = await runKernelOnce(device, kernel, { a, b, c: M * N * 4 }, { m: M }, matmulDispatch(cfg, M), ['c']);
    let maxErr = 0;
    for (let i = 0; i < M; i++)
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += a[i * K + k]! * b[j * K + k]!;
        maxErr = Math.max(maxErr, Math.abs(s - c![i * N + j]!));
      }
    expect(maxErr).toBeLessThan(1e-4);
  });

  it.skipIf(!haveGpu)('reports a WGSL error as a thrown message, not a crash', async () => {
    const { device } = gpu as GpuContext;
    const bad = { name: 'bad', wgsl: '@compute @workgroup_size(1) fn main( {', entryPoint: 'main' as const, bindings: [], workgroupSize: [1, 1, 1] as const, params: [] };
    await expect(runKernelOnce(device, bad, {}, {}, [1, 1, 1], [])).rejects.toThrow(/kernel `bad` does not compile/);
  });
});
