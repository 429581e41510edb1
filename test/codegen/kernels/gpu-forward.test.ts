/**
 * The kernels composed into the whole TinyMoE forward (examples/tiny-moe.kas: MLA, a dense layer,
 * DeepSeekMoE layers with shared + routed experts, group-limited sigmoid routing) on Dawn: a prefill
 * of 5 tokens and 2 decode steps with the latent KV cache, compared with the CPU reference.
 * It runs through the reusable host (src/codegen/host.ts: buffers, pipelines and bind groups made once,
 * prefill then decode steps reusing them) and so checks the contracts of src/codegen/INTERFACE.md
 * ("Kernels side") end to end. Tolerance |Δlogit| ≤ 1e-4 + 1e-4·|ref| (f32 sums in another order
 * through 4 layers) for f32 and FP8 (E4M3 linears, 1×128 / 128×128 scales, N_C = 128) alike; f32 also
 * checks the arg-max token of every row. The FP8 kernels quantize bit-exactly like the reference, but
 * an activation one f32 bit away from the reference's rounds to the neighbouring E4M3 code when it sits
 * at a midpoint, which forks the two passes (gpu-fp8-seeds.test.ts): the reference is handed the GPU's
 * quantized activations and continues from them where the two differ only at such a tie, and no other
 * difference is allowed (report.rejected = 0). The FP8 logits differ from the f32 ones by far more than
 * the tolerance (checked), so the comparison has teeth. Measured on Dawn GL ES / llvmpipe: worst
 * |Δlogit| ≈ 1.2e-5 (f32) and ≈ 1e-5 (FP8), logits of magnitude up to ~16.
 */
import { describe, expect, it } from 'vitest';
import { createReferenceCache, referenceForward } from '../../../src/codegen/reference/forward.js';
import { emptyTieReport } from '../../../src/codegen/reference/fp8.js';
import { createModel } from '../../../src/codegen/host.js';
import { initWeights } from '../../../src/codegen/weights.js';
import { compile } from '../../../src/passes/index.js';
import { diskReader } from '../../../src/cli/shared.js';
import { expectClose, gpuForTests, requireCtx, shouldRun } from './gpu-harness.js';

const gpu = await gpuForTests();

describe.runIf(shouldRun(gpu))('TinyMoE forward composed from the generated kernels', () => {
  for (const precision of ['fp32', 'fp8'] as const)
  it(`prefill + 2 decode steps match the CPU reference (${precision})`, async () => {
    const { device, cpuDriver } = requireCtx(gpu);
    const model = compile('examples/tiny-moe.kas', diskReader).ir!.models.find((m) => m.name === 'TinyMoE')!;
    const CAP = 16;
    const W = initWeights(model, 7);
    const gpuModel = await createModel(device, model, W, { maxTokens: 8, maxSeq: CAP, precision, deviceClass: cpuDriver ? 'cpu' : 'gpu' });
    const forward = (tokens: number[], pos0: number): Promise<Float32Array> => (pos0 === 0 ? gpuModel.prefill(tokens) : gpuModel.decode(tokens[0]!));
    const cache = createReferenceCache(model, CAP);
    const f32Cache = createReferenceCache(model, CAP);
    const steps: number[][] = [[5, 900, 17, 333, 64], [7], [1000]];
    let pos = 0;
    for (const tokens of steps) {
      const got = await forward(tokens, pos);
      const report = emptyTieReport();
      const device8 = precision === 'fp8' ? await gpuModel.readQuantizedActivations() : undefined;
      const want = referenceForward(model, W, tokens, cache, { precision, deviceActivations: device8, tieReport: report });
      expect(report.rejected).toBe(0);
      const tol = 1e-4;
      expectClose(got, want, tol, tol, `logits at positions ${pos}..${pos + tokens.length - 1}`);
      if (precision === 'fp32') {
        for (let t = 0; t < tokens.length; t++) {
          const row = (v: Float32Array) => v.subarray(t * model.vocab, (t + 1) * model.vocab);
          const argmax = (v: Float32Array) => v.indexOf(Math.max(...v));
          expect(argmax(row(got))).toBe(argmax(row(want)));
        }
      } else {
        // the comparison must discriminate: FP8 moves the logits far more than the tolerance
        const f32 = referenceForward(model, W, tokens, f32Cache);
        let far = 0;
        for (let i = 0; i < want.length; i++) far = Math.max(far, Math.abs(want[i]! - f32[i]!));
        expect(far).toBeGreaterThan(100 * tol);
      }
      pos += tokens.length;
    }
    expect(gpuModel.position).toBe(pos);
    gpuModel.destroy();
  });
});
