/**
 * Regression for `kasc run examples/tiny-moe.kas --precision fp8 --seed 9` (|Δlogit| 0.17 at the
 * prefill). Cause, measured layer by layer on Dawn / llvmpipe: the FP8 kernels are bit-exact (the
 * GPU quantizer and FP8 GEMM give the TypeScript codes, scales and sums bit for bit on the same
 * inputs), but the f32 kernels before them (norms, attention, SwiGLU, the residual stream) differ from
 * the reference's f64 sums in the last bits, and in layer 3 one q_a input sat at an E4M3 midpoint:
 * 22.99998 (GPU) vs 23.00001 (reference) scale units, codes 22 vs 24; that one code forked the two
 * passes (16 codes apart by the next o_proj, 0.17 on the logits). The reference now continues from the
 * GPU's rounding wherever the two differ only at a tie or by a scale one rounding step apart
 * (reference/fp8.ts adoptDeviceTies; anything else is rejected and counted), so the comparison holds at
 * the f32 tolerance. Seeds 1..10 and 28 (a seed with adopted ties here), the prompt `kasc run` draws,
 * prefill + 1 decode step.
 */
import { describe, expect, it } from 'vitest';
import { createModel } from '../../../src/codegen/host.js';
import { emptyTieReport } from '../../../src/codegen/reference/fp8.js';
import { createReferenceCache, referenceForward } from '../../../src/codegen/reference/forward.js';
import { initWeights } from '../../../src/codegen/weights.js';
import { mulberry32 } from '../../../src/util/rng.js';
import { tinyMoe } from '../models.js';
import { expectClose, gpuForTests, requireCtx, shouldRun } from './gpu-harness.js';

const gpu = await gpuForTests();
const TOL = 1e-4;

describe.runIf(shouldRun(gpu))('TinyMoE FP8 on Dawn matches the reference seed after seed', () => {
  it('seeds 1..10 and 28: prefill of 5 + 1 decode step within 1e-4 + 1e-4·|ref|, no activation quantized differently beyond a tie', async () => {
    const { device, cpuDriver } = requireCtx(gpu);
    const model = tinyMoe();
    const T = 5;
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 28]) {
      const weights = initWeights(model, seed);
      const gm = await createModel(device, model, weights, { maxTokens: T, maxSeq: T + 1, precision: 'fp8', deviceClass: cpuDriver ? 'cpu' : 'gpu' });
      const rng = mulberry32(seed ^ 0x5eed); // as `kasc run --seed`
      const prompt = Array.from({ length: T }, () => Math.floor(rng() * model.vocab));
      const cache = createReferenceCache(model, T + 1);
      let logits = await gm.prefill(prompt);
      for (const tokens of [prompt, [logits.subarray((T - 1) * model.vocab).indexOf(Math.max(...logits.subarray((T - 1) * model.vocab)))]]) {
        if (tokens !== prompt) logits = await gm.decode(tokens[0]!);
        const report = emptyTieReport();
        const want = referenceForward(model, weights, tokens, cache, { precision: 'fp8', deviceActivations: await gm.readQuantizedActivations(), tieReport: report });
        expect(report.rejected, `seed ${seed}: activations quantized differently beyond a tie`).toBe(0);
        expectClose(logits, want, TOL, TOL, `seed ${seed}, ${tokens.length} token(s) at position ${cache.length - tokens.length}`);
      }
      gm.destroy();
    }
  });
});
