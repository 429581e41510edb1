/**
 * The host (src/codegen/host.ts → plan.ts → runtime/runtime.ts) on a GQA model: test/codegen/fixtures/
 * tiny-gqa.kas (Llama-style grouped-query attention with rotate-half RoPE and θ = 500000, K and V
 * cached, an untied head, a dense layer and softmax-routed MoE layers without shared experts, so the
 * `clear` step runs). Prefill of 5 tokens and 2 decode steps on Dawn against the CPU reference,
 * |Δlogit| ≤ 1e-4 + 1e-4·|ref| and equal arg-max per row (as gpu-forward.test.ts); FP8 with the
 * reference continuing from the GPU's E4M3 ties (reference/fp8.ts adoptDeviceTies, as `kasc run`) and
 * no activation quantized differently beyond a tie; and `kasc run` on the fixture (needs `npm run build`). Without an adapter it is skipped locally and fails
 * with CI=true.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createModel } from '../../src/codegen/host.js';
import { emptyTieReport } from '../../src/codegen/reference/fp8.js';
import { createReferenceCache, referenceForward } from '../../src/codegen/reference/forward.js';
import { initWeights } from '../../src/codegen/weights.js';
import { expectClose, gpuForTests, requireCtx, shouldRun } from './kernels/gpu-harness.js';
import { ROOT, modelsOf } from './models.js';

const gpu = await gpuForTests();
const model = modelsOf('test/codegen/fixtures/tiny-gqa.kas')[0]!;

describe('the fixture', () => {
  it('is a GQA model with the features the test means to cover', () => {
    expect(model.attention).toMatchObject({ kind: 'gqa', heads: 4, kvHeads: 2, headDim: 16 });
    expect(model.rope?.theta).toBe(500000);
    expect(model.tiedEmbeddings).toBe(false);
    expect(model.moe).toMatchObject({ layers: [1, 2], shared: { count: 0 }, router: { score: 'softmax' } });
  });
});

describe.runIf(shouldRun(gpu))('GQA forward on WebGPU', () => {
  for (const precision of ['fp32', 'fp8'] as const)
    it(`prefill + 2 decode steps match the CPU reference (${precision})`, async () => {
      const { device, cpuDriver } = requireCtx(gpu);
      const CAP = 16;
      const W = initWeights(model, 11);
      const m = await createModel(device, model, W, { maxTokens: 8, maxSeq: CAP, precision, deviceClass: cpuDriver ? 'cpu' : 'gpu' });
      const cache = createReferenceCache(model, CAP);
      let pos = 0;
      for (const tokens of [[3, 500, 17, 256, 64], [7], [511]]) {
        const got = pos === 0 ? await m.prefill(tokens) : await m.decode(tokens[0]!);
        const tieReport = emptyTieReport();
        const ties = precision === 'fp8' ? { tieReport, deviceActivations: await m.readQuantizedActivations() } : {};
        const want = referenceForward(model, W, tokens, cache, { precision, ...ties });
        expectClose(got, want, 1e-4, 1e-4, `logits at positions ${pos}..${pos + tokens.length - 1}`);
        expect(tieReport.rejected).toBe(0);
        for (let t = 0; t < tokens.length; t++) {
          const row = (v: Float32Array) => Array.from(v.subarray(t * model.vocab, (t + 1) * model.vocab));
          const argmax = (v: number[]) => v.indexOf(Math.max(...v));
          expect(argmax(row(got))).toBe(argmax(row(want)));
        }
        pos += tokens.length;
      }
      expect(m.position).toBe(pos);
      if (precision === 'fp8') expect((await m.readQuantizedActivations()).length).toBe(model.layers * 4 + 2); // q, k, v, o per layer + the dense FFN's two
      m.destroy();
    });

  it('refuses a call beyond the cache with a message', async () => {
    const { device } = requireCtx(gpu);
    const m = await createModel(device, model, initWeights(model, 1), { maxTokens: 4, maxSeq: 4 });
    await m.prefill([1, 2, 3, 4]);
    await expect(m.decode(5)).rejects.toThrow(/5 positions exceed the KV-cache capacity 4/);
    await expect(m.prefill([1, 2, 3, 4, 5])).rejects.toThrow(/a forward call takes 1\.\.4 tokens, not 5/);
    m.destroy();
  });

  it('`kasc run` on the fixture passes every step, f32 and fp8', () => {
    for (const precision of ['f32', 'fp8']) {
      const r = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'kasc.js'), 'run', 'test/codegen/fixtures/tiny-gqa.kas', '--precision', precision, '--decode-steps', '3'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout.split('\n').filter((l) => / ok$/.test(l))).toHaveLength(4);
      expect(r.stdout).not.toMatch(/MISMATCH/);
    }
  });
});
