/**
 * On Dawn: the WGSL E4M3 codec against the TypeScript one over every code, every midpoint and the
 * special values (bit-exact), and every kernel of each stdlib model and of examples/tiny-moe.kas,
 * at full size, compiling and making its pipeline (compile only; nothing that large runs here).
 */
import { describe, expect, it } from 'vitest';
import { E4M3_WGSL, type GeneratedKernel, kernelsForModel } from '../../../src/codegen/kernels/index.js';
import { decodeE4M3, encodeE4M3 } from '../../../src/codegen/reference/fp8.js';
import { compile } from '../../../src/passes/index.js';
import { diskReader } from '../../../src/cli/shared.js';
import { createKernelPipeline, runKernelOnce } from '../../../src/gpu/kernel-runner.js';
import { deviceLimits, expectEqualU32, gpuForTests, requireCtx, shouldRun } from './gpu-harness.js';

const gpu = await gpuForTests();

const codecKernel: GeneratedKernel = {
  name: 'e4m3_codec_test',
  wgsl: `@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> enc: array<u32>;
@group(0) @binding(2) var<storage, read_write> dec: array<f32>;
${E4M3_WGSL}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  if (i < arrayLength(&x)) { enc[i] = e4m3Encode(x[i]); }
  if (i < 256u) { dec[i] = e4m3Decode(i); }
}
`,
  entryPoint: 'main',
  bindings: [
    { binding: 0, name: 'x', type: 'read-only-storage', element: 'f32' },
    { binding: 1, name: 'enc', type: 'storage', element: 'u32' },
    { binding: 2, name: 'dec', type: 'storage', element: 'f32' },
  ],
  workgroupSize: [64, 1, 1],
  params: [],
};

describe.runIf(shouldRun(gpu))('E4M3 codec and model kernels on Dawn', () => {
  it('the WGSL codec encodes and decodes exactly as the TypeScript codec', async () => {
    const { device } = requireCtx(gpu);
    const values: number[] = [];
    for (let c = 0; c < 256; c++) if ((c & 0x7f) !== 0x7f) values.push(decodeE4M3(c));
    for (let c = 0; c < 0x7e; c++) {
      const mid = (decodeE4M3(c) + decodeE4M3(c + 1)) / 2;
      values.push(mid, -mid, mid * (1 + 2 ** -20), mid * (1 - 2 ** -20));
    }
    values.push(448, 464, 500, 1e30, -1e30, Infinity, -Infinity, 1e-30, -1e-30, 2 ** -10);
    const x = Float32Array.from(values);
    const out = await runKernelOnce(device, codecKernel, { x, enc: x.length * 4, dec: 256 * 4 }, {}, [Math.ceil(Math.max(x.length, 256) / 64), 1, 1], ['enc', 'dec']);
    expectEqualU32(new Uint32Array(out['enc']!.buffer), Uint32Array.from(x, encodeE4M3), 'codes');
    const dec = out['dec']!;
    for (let c = 0; c < 256; c++) {
      if ((c & 0x7f) === 0x7f) expect(dec[c], `code ${c}`).toBeNaN();
      else expect(dec[c], `code ${c}`).toBe(decodeE4M3(c));
    }
  });

  const files = ['examples/tiny-moe.kas', 'stdlib/models/deepseek-v3.kas', 'stdlib/models/deepseek-v2.kas', 'stdlib/models/deepseekmoe-16b.kas', 'stdlib/models/qwen2.5-72b.kas', 'stdlib/models/llama-3.1-405b.kas'];
  for (const file of files) {
    it(`every kernel of ${file} compiles and makes its pipeline at full size (fp32 and fp8)`, async () => {
      const { device, cpuDriver } = requireCtx(gpu);
      const r = compile(file, diskReader);
      const models = r.ir?.models ?? [];
      expect(models.length).toBeGreaterThan(0);
      const limits = deviceLimits(device);
      for (const model of models) {
        for (const precision of ['fp32', 'fp8'] as const) {
          const kernels = kernelsForModel(model, limits, cpuDriver ? 'cpu' : 'gpu', { precision });
          expect(new Set(kernels.map((k) => k.name)).size).toBe(kernels.length);
          for (const k of kernels) {
            expect(k.name).toMatch(/^[a-z0-9_]+$/);
            await createKernelPipeline(device, k, `${model.name}/${k.name}`);
          }
        }
      }
    });
  }
});
