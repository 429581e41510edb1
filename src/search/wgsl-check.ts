/**
 * Runs an operator's generated WGSL kernel (wgsl.ts) on a WebGPU device and compares it with the
 * index-relation reference (eval.ts `forward`, f64) on seeded N(0, 1) operands. The error of each
 * output element is measured against the sum of its terms' absolute values — the scale an f32
 * kernel's rounding error grows with — so one threshold (1e-5) serves every operator and size.
 * Used by the kernel tests, `kasc search`'s end-to-end test and bench/search-counts.bench.mjs.
 */
/// <reference types="@webgpu/types" />
import { runKernelOnce } from '../gpu/kernel-runner.js';
import { Rng } from '../util/rng.js';
import { forward, indexTable, volume } from './eval.js';
import type { Operator } from './ir.js';
import type { Binding } from './size.js';
import { operatorKernel } from './wgsl.js';

export interface KernelCheck {
  /** max over outputs of |gpu − reference| / (Σ|terms| + 1e-30). */
  readonly worst: number;
  readonly outputs: number;
}

export interface KernelCheckOptions {
  readonly seed: number;
  /** Kernel name (default `check`). */
  readonly name?: string;
  /** Run this WGSL text (e.g. an emitted file, header included) instead of a fresh emission. */
  readonly wgsl?: string;
  /** Index-table size cap for large bindings (eval.ts `indexTable`'s maxPoints). */
  readonly maxPoints?: number;
}

export async function checkOperatorKernel(device: GPUDevice, op: Operator, binding: Binding, opts: KernelCheckOptions): Promise<KernelCheck> {
  const t = opts.maxPoints === undefined ? indexTable(op, binding) : indexTable(op, binding, opts.maxPoints);
  const rng = new Rng(opts.seed);
  const x = Float32Array.from({ length: volume(t.inputShape) }, () => rng.normal());
  const ws = t.weightShapes.map((s) => Float32Array.from({ length: volume(s) }, () => rng.normal()));
  const want = forward(t, Float64Array.from(x), ws.map((w) => Float64Array.from(w)));
  const scale = new Float64Array(want.length);
  for (let k = 0; k < t.terms; k++) {
    let term = Math.abs(x[t.in[k]!]!);
    ws.forEach((w, j) => (term *= Math.abs(w[t.w[j]![k]!]!)));
    scale[t.out[k]!] += term;
  }
  const generated = operatorKernel(op, binding, opts.name ?? 'check', { limits: device.limits });
  const kernel = opts.wgsl === undefined ? generated : { ...generated, wgsl: opts.wgsl };
  // y starts as garbage so a kernel that skips an element cannot pass by leaving a zero.
  const inputs: Record<string, Float32Array> = { x, y: Float32Array.from({ length: want.length }, () => 12345) };
  ws.forEach((w, j) => (inputs[`w${j}`] = w));
  const { y } = await runKernelOnce(device, kernel, inputs, {}, kernel.dispatch, ['y']);
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(y![i]! - want[i]!) / (scale[i]! + 1e-30));
  return { worst, outputs: want.length };
}
