/**
 * `kasc run FILE [--model NAME] [--prompt-tokens N] [--decode-steps N] [--seed S] [--precision f32|fp8]`:
 * generates the model's WGSL kernels, fills seeded weights, runs a prefill of N seeded tokens and a
 * few greedy decode steps on WebGPU (src/codegen/host.ts), and checks every step's logits against the
 * CPU reference (src/codegen/reference/forward.ts). Prints each step's worst |Δlogit| and, as the last
 * line, the measured decode throughput `tokens/s: X`. Exit 1 on a mismatch or when no WebGPU adapter
 * exists (with what to install); WebGPU (Dawn) is loaded only here.
 *
 * Tolerance, as in test/codegen/kernels/gpu-forward.test.ts: |Δ| ≤ 1e-4 + 1e-4·|ref| (f32 sums in
 * another order), for fp8 too: an activation one f32 bit away from the reference's can round to the
 * neighbouring E4M3 code at a midpoint and fork the two passes, so the reference continues from the
 * GPU's quantized activations wherever they differ only at such a tie (reference/fp8.ts adoptDeviceTies).
 */
import { InvalidArgumentError } from 'commander';
import { compileAndPickModel } from '../pick.js';
import { parseFormat, type CommandRegistration, type Format } from '../shared.js';

const count = (name: string, min: number) => (v: string) => {
  const n = Number(v);
  if (!/^\s*\d+\s*$/.test(v) || !Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be a whole number ≥ ${min}`);
  return n;
};

function parsePrecision(v: string): 'fp32' | 'fp8' {
  if (v === 'f32' || v === 'fp32') return 'fp32';
  if (v === 'fp8') return 'fp8';
  throw new InvalidArgumentError('--precision must be `f32` or `fp8`');
}

interface RunOptions {
  model?: string;
  promptTokens: number;
  decodeSteps: number;
  seed: number;
  precision: 'fp32' | 'fp8';
  format: Format;
}

/** |got − want| ≤ atol + rtol·|want| everywhere: the worst absolute error and whether all fit. */
export function compareLogits(got: Float32Array, want: Float32Array, tol: number): { maxError: number; ok: boolean } {
  let maxError = got.length === want.length ? 0 : Infinity;
  let ok = got.length === want.length;
  for (let i = 0; i < want.length && i < got.length; i++) {
    const d = Math.abs(got[i]! - want[i]!);
    if (!(d <= maxError)) maxError = d;
    if (!(d <= tol + tol * Math.abs(want[i]!))) ok = false;
  }
  return { maxError, ok };
}

function argmaxLastRow(logits: Float32Array, vocab: number): number {
  const row = logits.subarray(logits.length - vocab);
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i]! > row[best]!) best = i;
  return best;
}

export const registerRun: CommandRegistration = (program, setExit) => {
  program
    .command('run')
    .description('run a model of FILE on WebGPU (seeded weights, prefill + decode) and check it against the CPU reference')
    .argument('<file>', 'the .kas file')
    .option('--model <name>', 'the model to run (needed when FILE has several)')
    .option('--prompt-tokens <n>', 'tokens in the prefill', count('--prompt-tokens', 1), 5)
    .option('--decode-steps <n>', 'greedy decode steps after the prefill', count('--decode-steps', 0), 4)
    .option('--seed <s>', 'seed of the weights and the prompt', count('--seed', 0), 1)
    .option('--precision <p>', 'linear layers in `f32` or block-scaled `fp8`', parsePrecision, 'fp32' as const)
    .option('--format <format>', 'diagnostics format: human or json', parseFormat, 'human' as Format)
    .action(async (file: string, opts: RunOptions) => {
      const picked = compileAndPickModel(file, opts.format, opts.model);
      if (!picked) {
        setExit(1);
        return;
      }
      const model = picked.model;
      const fail = (message: string): void => {
        process.stderr.write(`error: ${message}\n`);
        setExit(1);
      };
      // Loaded only here: Dawn's start-up and the kernel generators are for `kasc run` alone.
      const { acquireGpu, describeGpu, NoWebGpuAdapterError } = await import('../../gpu/device.js');
      const { createModel, HostError } = await import('../../codegen/host.js');
      const { createReferenceCache, referenceForward } = await import('../../codegen/reference/forward.js');
      const { emptyTieReport } = await import('../../codegen/reference/fp8.js');
      const { initWeights } = await import('../../codegen/weights.js');
      const { mulberry32 } = await import('../../util/rng.js');
      let gpu;
      try {
        gpu = await acquireGpu();
      } catch (e) {
        if (e instanceof NoWebGpuAdapterError) return fail(e.message);
        throw e;
      }
      const T = opts.promptTokens;
      const steps = opts.decodeSteps;
      const capacity = T + steps;
      if (model.context !== undefined && model.context !== null && capacity > model.context) return fail(`--prompt-tokens + --decode-steps (${capacity}) exceed the context of \`${model.name}\` (${model.context})`);
      const weights = initWeights(model, opts.seed);
      let gpuModel;
      try {
        gpuModel = await createModel(gpu.device, model, weights, { maxTokens: T, maxSeq: capacity, precision: opts.precision, deviceClass: gpu.cpuDriver ? 'cpu' : 'gpu' });
      } catch (e) {
        if (e instanceof HostError || (e instanceof Error && e.name === 'KernelConfigError')) return fail(`cannot run \`${model.name}\`: ${e.message}`);
        throw e;
      }
      const tol = 1e-4;
      const out = process.stdout;
      out.write(`${model.name} on ${describeGpu(gpu)}, ${opts.precision === 'fp32' ? 'f32' : 'fp8'}, seed ${opts.seed}\n`);
      out.write(`tolerance |Δlogit| ≤ ${tol} + ${tol}·|ref| per logit\n`);
      const rng = mulberry32(opts.seed ^ 0x5eed);
      const prompt = Array.from({ length: T }, () => Math.floor(rng() * model.vocab));
      const cache = createReferenceCache(model, capacity);
      let mismatches = 0;
      const check = async (what: string, got: Float32Array, tokens: number[]): Promise<void> => {
        // FP8: the reference continues from the GPU's rounding where the two differ only at an E4M3 tie (reference/fp8.ts adoptDeviceTies).
        const ties = opts.precision === 'fp8' ? { tieReport: emptyTieReport(), deviceActivations: await gpuModel.readQuantizedActivations() } : {};
        const want = referenceForward(model, weights, tokens, cache, { precision: opts.precision, ...ties });
        const { maxError, ok: close } = compareLogits(got, want, tol);
        const r = ties.tieReport;
        const ok = close && !r?.rejected; // a quantization that differs beyond a tie is a kernel bug even when the logits stay close
        if (!ok) mismatches++;
        const note = r ? `, ${r.ties} E4M3 tie${r.ties === 1 ? '' : 's'} and ${r.scales} scale${r.scales === 1 ? '' : 's'} one rounding step apart taken from the GPU${r.rejected ? `, ${r.rejected} activation${r.rejected === 1 ? '' : 's'} quantized differently beyond a tie` : ''}` : '';
        out.write(`${what}: max |Δlogit| ${maxError.toExponential(2)}${note} ${ok ? 'ok' : 'MISMATCH'}\n`);
      };
      try {
        const t0 = performance.now();
        let logits = await gpuModel.prefill(prompt);
        const prefillMs = performance.now() - t0;
        await check(`prefill (${T} tokens, ${prefillMs.toFixed(1)} ms)`, logits, prompt);
        let decodeMs = 0;
        for (let s = 0; s < steps; s++) {
          const token = argmaxLastRow(logits, model.vocab);
          const t = performance.now();
          logits = await gpuModel.decode(token);
          decodeMs += performance.now() - t;
          await check(`decode ${s + 1} (token ${token}, position ${T + s})`, logits, [token]);
        }
        if (mismatches) process.stderr.write(`error: ${mismatches} of ${steps + 1} steps differ from the CPU reference beyond the tolerance\n`);
        if (mismatches) setExit(1);
        out.write(`tokens/s: ${steps > 0 ? ((steps * 1000) / decodeMs).toFixed(1) : 'n/a (no decode steps)'}\n`);
      } finally {
        gpuModel.destroy();
      }
    });
};
