import { describe, expect, it } from 'vitest';
import { operatorFlops, operatorParams } from '../../src/search/cost.js';
import { backward, forward, indexTable } from '../../src/search/eval.js';
import { namedOperators } from '../../src/search/library.js';
import type { Binding } from '../../src/search/size.js';
import { Rng } from '../../src/util/rng.js';

const B: Binding = { C_in: 6, C_out: 8, C: 5, L: 9, H: 5, W: 7, g: 2, k: 3, r: 2 };
const { C_in: Ci, C_out: Co, C, L, H, W, g, k, r } = B as Required<Record<string, number>>;
const pad = Math.floor((k - 1) / 2);

/** Hand-written closed forms: exact muls + adds (cost.ts) and parameter counts. */
const closedForm: Record<string, { flops: number; params: number }> = {
  dense: { flops: Co * (2 * Ci - 1), params: Ci * Co },
  grouped: { flops: (2 * Ci * Co) / g - Co, params: (Ci * Co) / g },
  'low-rank': { flops: 2 * r * Ci - r + 2 * r * Co - Co, params: r * (Ci + Co) },
  'depthwise-conv1d': { flops: 2 * C * L * k - C * L, params: C * k },
  conv1d: { flops: 2 * Ci * Co * L * k - Co * L, params: Ci * Co * k },
  'shift-pointwise': { flops: 2 * Ci * Co * L - Co * L, params: Ci * Co },
  'pool-unpool-pointwise': { flops: Ci * L - (Ci * L) / k + (2 * Ci * Co * L) / k - (Co * L) / k, params: Ci * Co },
  'grouped-conv1d': { flops: (2 * Ci * Co * L * k) / g - Co * L, params: (Ci * Co * k) / g },
  conv2d: { flops: 2 * Co * Ci * H * W * k * k - Co * H * W, params: Co * Ci * k * k },
  // Depthwise first (C_in·H·W·k² muls, sum the k² taps), then pointwise (C_in·C_out·H·W muls, sum C_in).
  'depthwise-separable-conv2d': { flops: 2 * Ci * H * W * k * k - Ci * H * W + 2 * Ci * Co * H * W - Co * H * W, params: Ci * k * k + Co * Ci },
};

/** Hand-written reference kernels (independent of the index-expression evaluator). */
const reference: Record<string, (x: Float64Array, w: Float64Array[]) => Float64Array> = {
  dense: (x, [w]) => {
    const y = new Float64Array(Co);
    for (let o = 0; o < Co; o++) for (let i = 0; i < Ci; i++) y[o] += x[i] * w![i * Co + o];
    return y;
  },
  grouped: (x, [w]) => {
    const y = new Float64Array(Co);
    const gi = Ci / g;
    const go = Co / g;
    for (let o = 0; o < Co; o++) {
      const G = Math.floor(o / go);
      for (let i = 0; i < gi; i++) y[o] += x[G * gi + i] * w![(G * gi + i) * go + (o % go)];
    }
    return y;
  },
  'low-rank': (x, [u, v]) => {
    const t = new Float64Array(r);
    for (let j = 0; j < r; j++) for (let i = 0; i < Ci; i++) t[j] += x[i] * u![i * r + j];
    const y = new Float64Array(Co);
    for (let o = 0; o < Co; o++) for (let j = 0; j < r; j++) y[o] += t[j] * v![j * Co + o];
    return y;
  },
  'depthwise-conv1d': (x, [w]) => {
    const y = new Float64Array(C * L);
    for (let c = 0; c < C; c++)
      for (let l = 0; l < L; l++)
        for (let t = 0; t < k; t++) {
          const at = l + t - pad;
          if (at >= 0 && at < L) y[c * L + l] += x[c * L + at] * w![c * k + t];
        }
    return y;
  },
  conv1d: (x, [w]) => {
    const y = new Float64Array(Co * L);
    for (let o = 0; o < Co; o++)
      for (let l = 0; l < L; l++)
        for (let i = 0; i < Ci; i++)
          for (let t = 0; t < k; t++) {
            const at = l + t - pad;
            if (at >= 0 && at < L) y[o * L + l] += x[i * L + at] * w![(o * Ci + i) * k + t];
          }
    return y;
  },
  'shift-pointwise': (x, [w]) => {
    const y = new Float64Array(Co * L);
    for (let o = 0; o < Co; o++) for (let l = 0; l < L; l++) for (let i = 0; i < Ci; i++) y[o * L + l] += x[i * L + ((l + 1) % L)] * w![i * Co + o];
    return y;
  },
  'pool-unpool-pointwise': (x, [w]) => {
    const pooled = new Float64Array(Ci * (L / k));
    for (let i = 0; i < Ci; i++) for (let m = 0; m < L / k; m++) for (let t = 0; t < k; t++) pooled[i * (L / k) + m] += x[i * L + m * k + t];
    const y = new Float64Array(Co * L);
    for (let o = 0; o < Co; o++)
      for (let l = 0; l < L; l++) for (let i = 0; i < Ci; i++) y[o * L + l] += pooled[i * (L / k) + Math.floor(l / k)] * w![i * Co + o];
    return y;
  },
  'grouped-conv1d': (x, [w]) => {
    const y = new Float64Array(Co * L);
    const gi = Ci / g;
    const go = Co / g;
    for (let o = 0; o < Co; o++) {
      const G = Math.floor(o / go);
      for (let l = 0; l < L; l++)
        for (let i = 0; i < gi; i++)
          for (let t = 0; t < k; t++) {
            const at = l + t - pad;
            if (at >= 0 && at < L) y[o * L + l] += x[(G * gi + i) * L + at] * w![(((G * gi + i) * go + (o % go)) * k + t)];
          }
    }
    return y;
  },
  conv2d: (x, [w]) => {
    const y = new Float64Array(Co * H * W);
    for (let o = 0; o < Co; o++)
      for (let h = 0; h < H; h++)
        for (let v = 0; v < W; v++)
          for (let i = 0; i < Ci; i++)
            for (let s = 0; s < k; s++)
              for (let t = 0; t < k; t++) {
                const [a, b] = [h + s - pad, v + t - pad];
                if (a >= 0 && a < H && b >= 0 && b < W) y[(o * H + h) * W + v] += x[(i * H + a) * W + b] * w![((o * Ci + i) * k + s) * k + t];
              }
    return y;
  },
  'depthwise-separable-conv2d': (x, [d, p]) => {
    const mid = new Float64Array(Ci * H * W);
    for (let i = 0; i < Ci; i++)
      for (let h = 0; h < H; h++)
        for (let v = 0; v < W; v++)
          for (let s = 0; s < k; s++)
            for (let t = 0; t < k; t++) {
              const [a, b] = [h + s - pad, v + t - pad];
              if (a >= 0 && a < H && b >= 0 && b < W) mid[(i * H + h) * W + v] += x[(i * H + a) * W + b] * d![(i * k + s) * k + t];
            }
    const y = new Float64Array(Co * H * W);
    for (let o = 0; o < Co; o++) for (let i = 0; i < Ci; i++) for (let hw = 0; hw < H * W; hw++) y[o * H * W + hw] += p![o * Ci + i] * mid[i * H * W + hw];
    return y;
  },
};

const random = (rng: Rng, n: number) => Float64Array.from({ length: n }, () => rng.normal());
const dot = (a: Float64Array, b: Float64Array) => a.reduce((s, v, i) => s + v * b[i]!, 0);

describe('named operators', () => {
  const ops = namedOperators();

  it('covers every operator the issue names for 1-D and 2-D', () => {
    expect(ops.map((o) => o.name)).toEqual(Object.keys(closedForm));
  });

  for (const named of ops) {
    describe(named.name, () => {
      it('has the closed-form FLOPs and parameter count', () => {
        expect(operatorFlops(named.operator, B).flops).toBe(closedForm[named.name]!.flops);
        expect(operatorParams(named.operator, B)).toBe(closedForm[named.name]!.params);
      });

      it('evaluates like the hand-written reference on random data', () => {
        const t = indexTable(named.operator, B);
        const rng = new Rng(7).derive(named.name.length);
        const x = random(rng, t.inputShape.reduce((a, b) => a * b, 1));
        const ws = t.weightShapes.map((s) => random(rng, s.reduce((a, b) => a * b, 1)));
        const got = forward(t, x, ws);
        const want = reference[named.name]!(x, ws);
        expect(got.length).toBe(want.length);
        for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i]!, 10);
      });

      it('has a backward pass that is the adjoint of the forward pass', () => {
        const t = indexTable(named.operator, B);
        const rng = new Rng(11).derive(named.name.length);
        const x = random(rng, t.inputShape.reduce((a, b) => a * b, 1));
        const ws = t.weightShapes.map((s) => random(rng, s.reduce((a, b) => a * b, 1)));
        const dy = random(rng, t.outputShape.reduce((a, b) => a * b, 1));
        const y = forward(t, x, ws);
        const { dx, dw } = backward(t, x, ws, dy);
        // y is linear in x and in each weight: <dy, y> = <dx, x> = <dw_j, w_j>.
        const target = dot(dy, y);
        expect(dot(dx, x)).toBeCloseTo(target, 8);
        dw.forEach((d, j) => expect(dot(d, ws[j]!)).toBeCloseTo(target, 8));
        // And dx is exactly Jᵀ·dy, column by column.
        for (let i = 0; i < x.length; i += 5) {
          const e = new Float64Array(x.length);
          e[i] = 1;
          expect(dx[i]).toBeCloseTo(dot(dy, forward(t, e, ws)), 10);
        }
      });
    });
  }

  it('records its depth as its number of construction steps', () => {
    expect(Object.fromEntries(ops.map((o) => [o.name, o.steps.length]))).toEqual({
      dense: 2,
      grouped: 5,
      'low-rank': 4,
      'depthwise-conv1d': 4,
      conv1d: 5,
      'shift-pointwise': 3,
      'pool-unpool-pointwise': 6,
      'grouped-conv1d': 8,
      conv2d: 8,
      'depthwise-separable-conv2d': 9,
    });
  });
});
