/**
 * The TypeScript module of `kasc build --emit ts` (src/codegen/emit-ts.ts), in process:
 * - its tensor table expands to exactly weights.ts tensorTable (every example and the GQA fixture);
 * - its runtime's RoPE table is bit-identical to the reference's, and the runtime sources import only
 *   each other;
 * - its embedded kernels are the `--emit wgsl` kernels, in the precision the precision pass decides
 *   (emitPrecisions: examples/tiny-moe.kas trains TinyMoE with `auto` on H100s → FP8; the fixture
 *   tiny-mla-fp8.kas with N_C = 64, plus a deployment whose 128×128 activation tiles get a note);
 * - the strongest check: the emitted modules are imported as they are written and run — prefill of 5
 *   tokens and 2 decode steps on Dawn with seeded weights — against the CPU reference, |Δlogit| ≤
 *   1e-4 + 1e-4·|ref| and equal arg-max per row (the tolerance of gpu-forward.test.ts): TinyMoE (MLA,
 *   MoE with shared experts) in f32 and in FP8, TinyMLA8 in FP8 with N_C = 64, TinyGQA (GQA, MoE
 *   without shared experts) in f32. FP8 modules are compared with the reference continuing from the
 *   module's own quantized activations where the two round an E4M3 tie differently
 *   (`readQuantizedActivations`, reference/fp8.ts adoptDeviceTies — the f32 kernels before a linear
 *   are not bit-identical to the reference's f64 sums, so a value at a midpoint may round either way);
 *   no activation may differ beyond such a tie (tieReport.rejected = 0), so the f32 tolerance holds.
 *   Without an adapter the GPU cases are skipped locally and fail with CI=true.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { RUNTIME_SOURCES, emitTs } from '../../src/codegen/emit-ts.js';
import { type EmitPrecision, emitPrecisions, emittedKernels } from '../../src/codegen/emit-wgsl.js';
import { emitWgsl, wgslHeader } from '../../src/codegen/emit-wgsl.js';
import { type QuantizedActivation, emptyTieReport } from '../../src/codegen/reference/fp8.js';
import { diskReader } from '../../src/cli/shared.js';
import { compile } from '../../src/passes/index.js';
import { tensorGroups } from '../../src/codegen/plan.js';
import { ropeTable } from '../../src/codegen/reference/ops.js';
import { createReferenceCache, referenceForward } from '../../src/codegen/reference/forward.js';
import { expandTensors, ropeAngles } from '../../src/codegen/runtime/runtime.js';
import { initWeights, tensorTable, writeSafetensors } from '../../src/codegen/weights.js';
import type { ModelIR } from '../../src/ir/model.js';
import { expectClose, gpuForTests, requireCtx, shouldRun } from './kernels/gpu-harness.js';
import { ROOT, modelsOf } from './models.js';

/** The models of `file` and the precision each is emitted in (what `kasc build` passes the emitters). */
function compiled(file: string): { models: ModelIR[]; precisions: ReadonlyMap<string, EmitPrecision>; notes: readonly { message: string }[] } {
  const r = compile(path.join(ROOT, file), diskReader, ROOT);
  if (r.diagnostics.hasErrors || !r.ir || !r.analysis) throw new Error(`${file} does not compile`);
  const { byModel, notes } = emitPrecisions(r.analysis);
  return { models: [...r.ir.models], precisions: byModel, notes };
}

const FILES = ['examples/tiny-moe.kas', 'examples/deepseek-v3-train.kas', 'examples/fire-flyer-train.kas', 'test/codegen/fixtures/tiny-gqa.kas'];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kasc-emit-ts-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('emitted tables', () => {
  for (const file of FILES)
    it(`${file}: TENSORS expands to exactly the weight table`, () => {
      for (const model of modelsOf(file)) {
        const want = new Map(tensorTable(model).map((t) => [t.name, t.shape.join('x')]));
        const got = new Map([...expandTensors(tensorGroups(model))].map(([n, s]) => [n, s.join('x')]));
        expect(got.size).toBe(want.size);
        expect(got).toEqual(want);
      }
    });

  it('DeepSeek-V3 stays a table: a few dozen tensor groups and two layer blocks, not 61 × 256 entries', async () => {
    const { models, precisions } = compiled('examples/deepseek-v3-train.kas');
    const v3 = models.find((m) => m.name === 'DeepSeekV3')!;
    expect(tensorGroups(v3).length).toBeLessThan(40);
    const text = (await emitTs([v3], 'examples/deepseek-v3-train.kas', precisions))['ts/DeepSeekV3/model.ts']!;
    expect(text).toMatch(/^ {2}precision: 'fp8',$/m);
    expect(text.length).toBeLessThan(200_000);
    expect(text).not.toMatch(/experts\.17\./); // experts appear only as the {e} pattern
  });

  it("the runtime's RoPE table is bit-identical to the reference's", () => {
    for (const [theta, dim] of [[10000, 8], [500000, 16], [10000, 64]] as const) expect(ropeAngles(theta, dim, 37)).toEqual(ropeTable(theta, dim, 37));
  });

  it('the runtime sources import only each other (the module must be self-contained)', () => {
    const siblings = RUNTIME_SOURCES.map((p) => `./${path.basename(p, '.ts')}.js`);
    for (const p of RUNTIME_SOURCES) {
      const text = fs.readFileSync(p, 'utf8');
      expect(text).not.toMatch(/^\s*(export\s+\*|export\s+\{[^}]*\}\s+from)\b/m);
      for (const m of text.matchAll(/^\s*import\b[^;]*?from\s+'([^']+)'/gm)) expect(siblings).toContain(m[1]);
      expect(text).not.toMatch(/^\s*import\s+['"]/m);
    }
    expect(RUNTIME_SOURCES.map((p) => path.basename(p))).toEqual(['runtime.ts', 'fp8.ts', 'safetensors.ts']);
  });

  it('follows the precision pass: FP8 for a model trained in FP8 with its recipe, f32 otherwise, a note where it cannot follow', () => {
    const tiny = compiled('examples/tiny-moe.kas');
    expect(tiny.precisions.get('TinyMoE')).toEqual({ precision: 'fp8', fp8: { activationTile: [1, 128], weightBlock: [128, 128], promoteEvery: 128 }, from: 'TinyTrain' });
    expect(tiny.notes).toEqual([]);
    const mla8 = compiled('test/codegen/fixtures/tiny-mla-fp8.kas');
    expect(mla8.precisions.get('TinyMLA8')).toEqual({ precision: 'fp8', fp8: { activationTile: [1, 128], weightBlock: [128, 128], promoteEvery: 64 }, from: 'PromoteEvery64' });
    expect(mla8.notes.map((n) => n.message)).toEqual([
      '`SquareActivationTiles` runs `TinyMLA8` in FP8 with activations 128x128, weights 128x128, promote 128, but the FP8 kernels do not implement activation tiles of 128 rows (the activation quantizer scales each row: 1×K tiles); the emitted code follows `PromoteEvery64` (activations 1x128, weights 128x128, promote 64)',
    ]);
    expect(compiled('examples/fire-flyer-train.kas').precisions.get('DeepSeekMoE16B')).toEqual({ precision: 'fp32', from: 'DeepSeekMoE16BOnFF' });
    expect(compiled('test/codegen/fixtures/tiny-gqa.kas').precisions.size).toBe(0);
    const v3 = compiled('examples/deepseek-v3-train.kas');
    expect(v3.precisions.get('DeepSeekV3')?.precision).toBe('fp8');
    const kernels = emittedKernels(v3.models.find((m) => m.name === 'DeepSeekV3')!, v3.precisions.get('DeepSeekV3'));
    expect(kernels.filter((k) => k.name.endsWith('_fp8')).map((k) => k.name)).toEqual(expect.arrayContaining(['q_a_proj_fp8', 'q_b_proj_fp8', 'kv_a_proj_fp8', 'o_proj_fp8', 'ffn_gate_up_fp8', 'ffn_down_fp8', 'shared_gate_up_fp8', 'shared_down_fp8']));
    expect(kernels.map((k) => k.name)).not.toContain('o_proj');
  });

  it('embeds the kernels --emit wgsl writes, in the chosen precision, and starts with the header', async () => {
    const { models, precisions } = compiled('examples/tiny-moe.kas');
    const model = models.find((m) => m.name === 'TinyMoE')!;
    const text = (await emitTs([model], 'examples/tiny-moe.kas', precisions))['ts/TinyMoE/model.ts']!;
    expect(text.split('\n')[0]).toBe('// generated by kasc from examples/tiny-moe.kas: TypeScript module of model `TinyMoE`; do not edit');
    expect(text).toContain("precision: 'fp8',\n  precisionFrom: 'TinyTrain',\n  fp8: { activationTile: [1, 128], weightBlock: [128, 128], promoteEvery: 128 },");
    expect(text).toContain('Precision: FP8, as deployment `TinyTrain` trains the model');
    const wgsl = emitWgsl([model], 'examples/tiny-moe.kas', precisions);
    const kernels = emittedKernels(model, precisions.get('TinyMoE'));
    expect(kernels.map((k) => k.name)).toContain('o_proj_fp8');
    expect(Object.keys(wgsl)).toEqual(kernels.map((k) => `wgsl/TinyMoE/${k.name}.wgsl`));
    for (const k of kernels) {
      expect(wgsl[`wgsl/TinyMoE/${k.name}.wgsl`]).toBe(wgslHeader('examples/tiny-moe.kas', 'TinyMoE', k.name) + k.wgsl);
      expect(text).toContain(k.wgsl.split('\n').find((l) => l.includes('fn main('))!);
    }
  });
});

interface EmittedModule {
  CONFIG: { maxTokens: number; maxSeq: number; precision: 'fp32' | 'fp8'; fp8?: { promoteEvery: number } };
  readSafetensors(bytes: Uint8Array): { weights: Map<string, { shape: number[]; data: Float32Array }> };
  createModel(
    device: GPUDevice,
    weights: Map<string, { shape: readonly number[]; data: Float32Array }>,
    options?: { maxSeq?: number },
  ): Promise<{ prefill(t: readonly number[]): Promise<Float32Array>; decode(t: number): Promise<Float32Array>; readQuantizedActivations(): Promise<QuantizedActivation[]>; readonly position: number; destroy(): void }>;
}

/** Emits `model`'s module (in `precision`) into the temp dir and imports the file as written. */
async function importEmitted(model: ModelIR, source: string, precision?: EmitPrecision): Promise<EmittedModule> {
  const files = await emitTs([model], source, new Map(precision ? [[model.name, precision]] : []));
  const file = path.join(tmp, `${model.name}-${precision?.precision ?? 'fp32'}.ts`);
  fs.writeFileSync(file, files[`ts/${model.name}/model.ts`]!);
  return (await import(pathToFileURL(file).href)) as EmittedModule;
}

const gpu = await gpuForTests();

describe.runIf(shouldRun(gpu))('the emitted module on WebGPU', () => {
  const cases = [
    ['examples/tiny-moe.kas', 'TinyMoE', 'fp32'],
    ['examples/tiny-moe.kas', 'TinyMoE', 'fp8'],
    ['test/codegen/fixtures/tiny-mla-fp8.kas', 'TinyMLA8', 'fp8'],
    ['test/codegen/fixtures/tiny-gqa.kas', 'TinyGQA', 'fp32'],
  ] as const;
  for (const [file, name, precision] of cases)
    it(`${name} (${precision}): prefill + 2 decode steps match the CPU reference`, async () => {
      const { device } = requireCtx(gpu);
      const { models, precisions } = compiled(file);
      const model = models.find((m) => m.name === name)!;
      const chosen = precision === 'fp8' ? precisions.get(name) : undefined;
      if (precision === 'fp8') expect(chosen?.precision).toBe('fp8');
      const mod = await importEmitted(model, file, chosen);
      expect(mod.CONFIG.maxTokens).toBe(64);
      expect(mod.CONFIG.precision).toBe(precision);
      const promoteEvery = mod.CONFIG.fp8?.promoteEvery;
      const CAP = 16;
      const W = initWeights(model, 5);
      await expect(mod.createModel(device, new Map([...W].slice(1)))).rejects.toThrow(/missing tensor `model\.embed_tokens\.weight`/);
      // The weights travel through a .safetensors file, read by the module's own (portable) reader.
      const m = await mod.createModel(device, mod.readSafetensors(writeSafetensors(W)).weights, { maxSeq: CAP });
      const cache = createReferenceCache(model, CAP);
      let pos = 0;
      for (const tokens of [[5, 900 % model.vocab, 17, 333, 64], [7], [model.vocab - 1]]) {
        const got = pos === 0 ? await m.prefill(tokens) : await m.decode(tokens[0]!);
        const tieReport = emptyTieReport();
        const deviceActivations = await m.readQuantizedActivations();
        if (precision === 'fp32') expect(deviceActivations).toEqual([]);
        const want = referenceForward(model, W, tokens, cache, precision === 'fp8' ? { precision, promoteEvery, deviceActivations, tieReport } : {});
        expectClose(got, want, 1e-4, 1e-4, `${name} logits at positions ${pos}..${pos + tokens.length - 1}`);
        expect(tieReport.rejected).toBe(0);
        if (precision === 'fp8') expect(deviceActivations.length).toBeGreaterThan(0);
        for (let t = 0; t < tokens.length; t++) {
          const row = (v: Float32Array) => Array.from(v.subarray(t * model.vocab, (t + 1) * model.vocab));
          const argmax = (v: number[]) => v.indexOf(Math.max(...v));
          expect(argmax(row(got))).toBe(argmax(row(want)));
        }
        pos += tokens.length;
      }
      expect(m.position).toBe(pos);
      m.destroy();
    });
});
