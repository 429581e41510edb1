/**
 * The WGSL emitter for search operators (src/search/wgsl.ts), checked on Dawn against eval.ts's
 * `forward`: every named operator, and a few hundred random operators drawn from each reference spec
 * by seeded random walks, at small bindings. f32 on the GPU vs f64 on the CPU: each output element
 * must agree within 1e-5 of the sum of its terms' absolute values (the scale f32 rounding works at).
 * With CI set, a missing adapter is a failure.
 */
import { describe, expect, it } from 'vitest';
import { acquireGpu, type GpuContext } from '../../src/gpu/device.js';
import { COMPAT_DEFAULT_LIMITS, CORE_DEFAULT_LIMITS, KernelConfigError } from '../../src/codegen/kernels/types.js';
import { ruleSet } from '../../src/search/canonical.js';
import { sampleOperators } from '../../src/search/enumerate.js';
import { makeOp, mergeHi, mergeLo, outputDim, reduceDim, split, unfold, type Operator } from '../../src/search/ir.js';
import { conv1d, depthwiseConv1d, namedOperators } from '../../src/search/library.js';
import { applyOps, completeWith, startState } from '../../src/search/primitives.js';
import { coefficient, primary, type Binding } from '../../src/search/size.js';
import { image2dSpec, linearSpec, sequenceSpec } from '../../src/search/specs.js';
import { describeOperator, operatorKernel, operatorModule } from '../../src/search/wgsl.js';
import { checkOperatorKernel } from '../../src/search/wgsl-check.js';
import { Rng } from '../../src/util/rng.js';

const gpu: GpuContext | Error = await acquireGpu().then(
  (g) => g,
  (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
);
const haveGpu = !(gpu instanceof Error);

/** Small binding for the named operators (every library size is an integer here). */
const B: Binding = { C_in: 6, C_out: 4, C: 5, L: 9, H: 5, W: 6, g: 2, k: 3, r: 2 };

/** Worst |gpu − cpu| / (Σ|terms| + tiny) over the output, with the f64 reference from the index table. */
function mismatch(op: Operator, binding: Binding, name: string, seed: number): Promise<{ worst: number; outputs: number }> {
  return checkOperatorKernel((gpu as GpuContext).device, op, binding, { seed, name });
}

describe('WGSL text (no GPU)', () => {
  it('declares x, the weights and y in codegen order, bakes sizes in and needs no uniform', () => {
    const k = operatorKernel(conv1d().operator, B, 'conv1d');
    expect(k.bindings.map((b) => [b.binding, b.name, b.type])).toEqual([
      [0, 'x', 'read-only-storage'],
      [1, 'w0', 'read-only-storage'],
      [2, 'y', 'storage'],
    ]);
    expect(k.params).toEqual([]);
    expect(k.outputShape).toEqual([4, 9]);
    expect(k.inputShape).toEqual([6, 9]);
    expect(k.weightShapes).toEqual([[4, 6, 3]]);
    expect(k.dispatch).toEqual([1, 1, 1]);
    expect(k.wgsl).toContain('const OUTPUTS: u32 = 36u;');
    // The unfold l + t − 1 with its bounds check, at the level of the k loop.
    expect(k.wgsl).toMatch(/let (e\d+) = o1 \+ r\d - 1;\n\s+if \(\1 < 0 \|\| \1 >= 9\) \{ continue; \}/);
  });

  it('is deterministic and starts with the operator it computes', () => {
    const op = depthwiseConv1d().operator;
    expect(operatorModule(op, B, 'dw')).toBe(operatorModule(op, B, 'dw'));
    expect(operatorModule(op, B, 'dw').split('\n')[0]).toBe(`// ${describeOperator(op)}`);
    expect(describeOperator(op)).toBe('y[o0, o1] = Σ_{r0} x[o0, unfold(o1, r0)] · w0[o0, r0]');
  });

  it('hoists expressions out of loops that do not change them', () => {
    // grouped conv1d: the group index ⌊o/(C_out/g)⌋ is computed once per invocation, before any loop.
    const text = operatorModule(namedOperators().find((n) => n.name === 'grouped-conv1d')!.operator, B, 'gc');
    const beforeLoops = text.slice(0, text.indexOf('for ('));
    expect(beforeLoops).toMatch(/let e\d+ = o0 \/ 2;/);
  });

  it('folds a large output into a 2-D dispatch grid', () => {
    const big = operatorKernel(depthwiseConv1d().operator, { C: 4096, L: 4096, k: 3 }, 'big');
    expect(big.dispatch).toEqual([65535, Math.ceil((4096 * 4096) / 64 / 65535), 1]);
    expect(big.wgsl).toContain(`const ROW: u32 = ${65535 * 64}u;`);
  });

  it('refuses more storage buffers than the adapter allows', () => {
    // x, three weights and y are 5 storage buffers: too many for the compatibility profile's 4.
    const C_out = primary('C_out');
    const C_in = primary('C_in');
    const r = coefficient('r');
    const iface = { inputs: [{ name: 'c', size: C_in }], outputs: [{ name: 'c', size: C_out }] };
    const i = reduceDim(0, C_in);
    const j = reduceDim(0, r);
    const o = outputDim(0, C_out);
    const steps = [makeOp('reduce', [], C_in), makeOp('reduce', [], r), makeOp('share', [i]), makeOp('share', [j]), makeOp('share', [o])];
    const op = completeWith(applyOps(startState(iface), steps), iface, [i], [[i, j], [j, o], [o]]);
    expect(() => operatorKernel(op, B, 'three', { limits: COMPAT_DEFAULT_LIMITS })).toThrow(KernelConfigError);
    expect(operatorKernel(op, B, 'three', { limits: CORE_DEFAULT_LIMITS }).bindings).toHaveLength(5);
  });
});

describe('WGSL kernels on Dawn equal eval.ts forward', () => {
  it('has an adapter wherever CI runs', () => {
    if (process.env['CI']) expect(gpu instanceof Error ? gpu.message : 'ok').toBe('ok');
  });

  it.skipIf(!haveGpu).each(namedOperators().map((n) => [n.name, n] as const))('%s', async (name, n) => {
    const { worst } = await mismatch(n.operator, B, name, name.length);
    expect(worst).toBeLessThan(1e-5);
  });

  it.skipIf(!haveGpu)('zeroes an output element whose Unfold reads only output iterators', async () => {
    // x[c, (unfold(⌊l/k⌋, l mod k))·k + t]: the padding test sits before the reduction loop.
    const spec = sequenceSpec(4);
    const [C, L, k] = [primary('C'), primary('L'), coefficient('k')];
    const c = outputDim(0, C);
    const l = outputDim(1, L);
    const t = reduceDim(0, k);
    const u = unfold(mergeHi(l, k), mergeLo(l, k));
    const steps = [makeOp('merge', [l], k), makeOp('unfold', [mergeHi(l, k), mergeLo(l, k)]), makeOp('reduce', [], k), makeOp('split', [u, t])];
    const op = completeWith(applyOps(startState(spec), steps), spec, [c, split(u, t)], []);
    const binding = { C: 2, L: 12, k: 3 };
    const text = operatorModule(op, binding, 'edge');
    expect(text.slice(0, text.indexOf('for ('))).toContain('y[idx] = 0.0; return;');
    const { worst, outputs } = await mismatch(op, binding, 'edge', 3);
    expect(outputs).toBe(24);
    expect(worst).toBeLessThan(1e-5);
  });

  const SAMPLES = 100;
  it.skipIf(!haveGpu).each([
    [linearSpec(8), 1],
    [sequenceSpec(8), 1],
    [image2dSpec(8), 0],
  ] as const)('%# random operators of the $name spec', async (spec, b) => {
    const binding = spec.fingerprintBindings[b]!;
    const ops = sampleOperators(spec, SAMPLES, new Rng(2024).derive(spec.name.length), { rules: ruleSet() });
    expect(ops).toHaveLength(SAMPLES);
    const bad: string[] = [];
    for (const [i, { operator }] of ops.entries()) {
      const { worst } = await mismatch(operator, binding, `${spec.name}-${i}`, i);
      if (!(worst < 1e-5)) bad.push(`${describeOperator(operator)}: ${worst}`);
    }
    expect(bad).toEqual([]);
  }, 120_000);
});
