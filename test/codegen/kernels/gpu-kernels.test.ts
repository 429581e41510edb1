/**
 * Every generated kernel run on Dawn (a CPU driver on CI) against the CPU reference, at small shapes.
 * Tolerances, per dtype:
 * - u32 outputs (E4M3 codes, router indices, the routing plan) and pure copies: bit-exact;
 * - FP8 dequantize: bit-exact (a decode times a scale is one rounding on both sides);
 * - f32 sums (matmul, FP8 GEMM, norms, attention, expert GEMMs): |Δ| ≤ 1e-5 + 1e-5·|ref| — the kernels
 *   sum in f32 in a different order than the f64 reference; at these K (≤ 256) the f32 error is ~1e-6;
 * - transcendental outputs (softmax, SwiGLU, router weights): |Δ| ≤ 1e-5 + 1e-5·|ref| (WGSL exp is not
 *   correctly rounded).
 */
import { describe, expect, it } from 'vitest';
import {
  COMPAT_DEFAULT_LIMITS,
  MATMUL_TILING_LARGE,
  attentionDispatch,
  chooseAttentionConfig,
  chooseElementwiseConfig,
  chooseExpertGemmConfig,
  chooseFp8DequantizeConfig,
  chooseFp8GemmConfig,
  chooseFp8QuantizeConfig,
  chooseHeadProjectionConfig,
  chooseMatmulConfig,
  chooseMoeCombineConfig,
  chooseMoePlanConfig,
  chooseRmsNormConfig,
  chooseRopeConfig,
  chooseRouterConfig,
  chooseSoftmaxConfig,
  elementwiseDispatch,
  expertGemmDispatch,
  fp8DequantizeDispatch,
  fp8GemmDispatch,
  fp8QuantizeDispatch,
  generateAttentionWGSL,
  generateElementwiseWGSL,
  generateExpertGemmWGSL,
  generateFp8DequantizeWGSL,
  generateFp8GemmWGSL,
  generateFp8QuantizeWGSL,
  generateHeadProjectionWGSL,
  generateMatmulWGSL,
  generateMoeCombineWGSL,
  generateMoePlanWGSL,
  generateRmsNormWGSL,
  generateRopeWGSL,
  generateRouterWGSL,
  generateSoftmaxWGSL,
  headProjectionDispatch,
  matmulDispatch,
  moeCombineDispatch,
  moePlanDispatch,
  moePlanWords,
  rmsNormDispatch,
  ropeDispatch,
  routerDispatch,
  softmaxDispatch,
} from '../../../src/codegen/kernels/index.js';
import { dequantizeBlocks, fp8BlockGemm, packE4M3, quantizeBlocks } from '../../../src/codegen/reference/fp8.js';
import { attentionRef, matmulRef, moePlanRef, rmsNormRef, ropeRef, ropeTable, routerRef, softmaxRef, swigluRef } from '../../../src/codegen/reference/ops.js';
import { runKernelOnce } from '../../../src/gpu/kernel-runner.js';
import { deviceLimits, expectClose, expectEqualU32, gpuForTests, randomArray, requireCtx, shouldRun } from './gpu-harness.js';

const gpu = await gpuForTests();
const u32 = (f: Float32Array): Uint32Array => new Uint32Array(f.buffer, f.byteOffset, f.length);
const TOL = 1e-5;

describe.runIf(shouldRun(gpu))('generated kernels on Dawn vs the CPU reference', () => {
  const device = () => requireCtx(gpu).device;
  const limits = () => deviceLimits(device());

  it('has an adapter (CI fails here without one)', () => {
    expect(requireCtx(gpu).device).toBeDefined();
  });

  for (const dc of ['gpu', 'cpu'] as const) {
    for (const [m, n, k, mExact] of [
      [64, 64, 64, true],
      [37, 50, 44, false],
      [1, 96, 128, false],
    ] as const) {
      it(`matmul ${m}×${n}×${k} (${dc} tiling${mExact ? ', exact M' : ''}) matches the reference`, async () => {
        const c = chooseMatmulConfig({ m, n, k, mExact, bias: n === 50 }, limits(), dc);
        if (m === 64 && dc === 'gpu') expect([c.checkM, c.checkN, c.checkK]).toEqual([false, false, false]);
        const kern = generateMatmulWGSL(c, limits());
        const a = randomArray(m * k, 1);
        const b = randomArray(n * k, 2);
        const bias = randomArray(n, 3);
        const inputs: Record<string, Float32Array | number> = { a, b, c: m * n * 4 };
        if (c.bias) inputs['bias'] = bias;
        const out = await runKernelOnce(device(), kern, inputs, { m }, matmulDispatch(c, m), ['c']);
        expectClose(out['c']!, matmulRef(a, b, m, n, k, c.bias ? bias : undefined), TOL, TOL, 'C');
      });
    }
  }

  it('matmul with the large GPU tiling (128×128, 8×8 per thread, K step 16) at 130×200×64 matches the reference', async () => {
    const [m, n, k] = [130, 200, 64];
    const c = chooseMatmulConfig({ m, n, k }, limits(), 'gpu', MATMUL_TILING_LARGE);
    const a = randomArray(m * k, 4);
    const b = randomArray(n * k, 5);
    const out = await runKernelOnce(device(), generateMatmulWGSL(c, limits()), { a, b, c: m * n * 4 }, { m }, matmulDispatch(c, m), ['c']);
    expectClose(out['c']!, matmulRef(a, b, m, n, k), TOL, TOL, 'C');
  });

  it('fp8 quantize (1×128 tiles and 128×128 blocks) gives the TypeScript codec’s codes and scales, bit for bit', async () => {
    for (const [rows, cols, br] of [
      [3, 256, 1],
      [130, 132, 128],
    ] as const) {
      const x = randomArray(rows * cols, 7 + rows, 3);
      // exercise subnormals, ties and zero blocks too
      for (let i = 0; i < cols; i += 5) x[i] = x[i]! * 1e-4;
      if (br === 1) x.fill(0, cols, cols + 128);
      const c = chooseFp8QuantizeConfig({ rows, cols, blockRows: br }, limits());
      const ref = quantizeBlocks(x, rows, cols, br);
      const out = await runKernelOnce(device(), generateFp8QuantizeWGSL(c, limits()), { x, q: rows * cols, scales: ref.scales.byteLength }, {}, fp8QuantizeDispatch(c), ['q', 'scales']);
      expectEqualU32(u32(out['scales']!), u32(ref.scales), 'scales (bits)');
      expectEqualU32(u32(out['q']!), packE4M3(ref.codes), 'packed codes');
    }
  });

  it('fp8 dequantize is exact', async () => {
    const rows = 130;
    const cols = 132;
    const ref = quantizeBlocks(randomArray(rows * cols, 11, 5), rows, cols, 128);
    const c = chooseFp8DequantizeConfig({ rows, cols, blockRows: 128 }, limits());
    const out = await runKernelOnce(device(), generateFp8DequantizeWGSL(c, limits()), { q: packE4M3(ref.codes), scales: ref.scales, x: rows * cols * 4 }, {}, fp8DequantizeDispatch(c, limits()), ['x']);
    expectEqualU32(u32(out['x']!), u32(dequantizeBlocks(ref)), 'dequantized (bits)');
  });

  for (const dc of ['gpu', 'cpu'] as const) {
    it(`fp8 block GEMM with promotion every N_C=128 and N_C=64 (${dc} tiling) matches the reference`, async () => {
      const [m, n, k] = [5, 136, 384];
      const a = quantizeBlocks(randomArray(m * k, 21, 2), m, k, 1);
      const b = quantizeBlocks(randomArray(n * k, 22, 0.1), n, k, 128);
      for (const promoteEvery of [128, 64]) {
        const c = chooseFp8GemmConfig({ m, n, k, promoteEvery }, limits(), dc);
        const out = await runKernelOnce(
          device(),
          generateFp8GemmWGSL(c, limits()),
          { aq: packE4M3(a.codes), ascale: a.scales, bq: packE4M3(b.codes), bscale: b.scales, c: m * n * 4 },
          { m },
          fp8GemmDispatch(c, m),
          ['c'],
        );
        expectClose(out['c']!, fp8BlockGemm(a, b, promoteEvery), 1e-6, 1e-6, `C (N_C=${promoteEvery})`);
      }
    });
  }

  it('fp8 block GEMM emulating a 13-bit accumulator, with and without promotion, matches the reference', async () => {
    const [m, n, k] = [3, 8, 4096];
    const a = quantizeBlocks(randomArray(m * k, 23, 1).map((v) => v + 0.3), m, k, 1, k);
    const b = quantizeBlocks(randomArray(n * k, 24, 0.05).map((v) => v + 0.015), n, k, k, k);
    for (const promoteEvery of [128, k]) {
      const c = chooseFp8GemmConfig({ m, n, k, blockK: k, blockN: k, promoteEvery, accumulatorBits: 13 }, limits(), 'cpu');
      const out = await runKernelOnce(
        device(),
        generateFp8GemmWGSL(c, limits()),
        { aq: packE4M3(a.codes), ascale: a.scales, bq: packE4M3(b.codes), bscale: b.scales, c: m * n * 4 },
        { m },
        fp8GemmDispatch(c, m),
        ['c'],
      );
      expectClose(out['c']!, fp8BlockGemm(a, b, promoteEvery, 13), 1e-6, 1e-6, `C (N_C=${promoteEvery}, 13-bit accumulator)`);
    }
  });

  it('rmsnorm (with a strided input row and a row offset in the output) matches the reference', async () => {
    const [rows, dim, xStride, yRow0] = [3, 40, 48, 2];
    const x = randomArray(rows * xStride, 31, 2);
    const w = randomArray(dim, 32);
    const c = chooseRmsNormConfig({ dim, eps: 1e-6, xStride }, limits());
    const out = await runKernelOnce(device(), generateRmsNormWGSL(c, limits()), { x, w, y: (rows + yRow0) * dim * 4 }, { rows, yRow0 }, rmsNormDispatch(c, rows), ['y']);
    expectClose(out['y']!.subarray(yRow0 * dim), rmsNormRef(x, w, rows, dim, 1e-6, xStride), TOL, TOL, 'y');
  });

  it('softmax matches the reference', async () => {
    const [rows, cols] = [4, 100];
    const x = randomArray(rows * cols, 41, 8);
    const c = chooseSoftmaxConfig({ cols }, limits());
    const out = await runKernelOnce(device(), generateSoftmaxWGSL(c, limits()), { x }, { rows }, softmaxDispatch(c, rows), ['x']);
    expectClose(out['x']!, softmaxRef(x, rows, cols), TOL, TOL, 'p');
  });

  it('elementwise add, swiglu and embedding gather match the reference', async () => {
    const rows = 3;
    const C = 24;
    const x = randomArray(rows * C, 51);
    const y = randomArray(rows * C, 52);
    const ca = chooseElementwiseConfig({ op: 'add', cols: C }, limits());
    const add = await runKernelOnce(device(), generateElementwiseWGSL(ca, limits()), { x, y: y.slice() }, { rows }, elementwiseDispatch(ca, rows, limits()), ['y']);
    expectClose(add['y']!, y.map((v, i) => Math.fround(v + x[i]!)), 0, 0, 'add');
    const g = randomArray(rows * 2 * C, 53, 3);
    const cs = chooseElementwiseConfig({ op: 'swiglu', cols: C }, limits());
    const sw = await runKernelOnce(device(), generateElementwiseWGSL(cs, limits()), { g, y: rows * C * 4 }, { rows }, elementwiseDispatch(cs, rows, limits()), ['y']);
    expectClose(sw['y']!, swigluRef(g, rows, C), TOL, TOL, 'swiglu');
    const table = randomArray(10 * C, 54);
    const ids = new Uint32Array([7, 0, 9]);
    const ce = chooseElementwiseConfig({ op: 'embedding', cols: C }, limits());
    const em = await runKernelOnce(device(), generateElementwiseWGSL(ce, limits()), { ids, table, y: rows * C * 4 }, { rows }, elementwiseDispatch(ce, rows, limits()), ['y']);
    expectClose(em['y']!, [...ids].flatMap((i) => [...table.subarray(i * C, (i + 1) * C)]), 0, 0, 'embedding');
  });

  for (const interleaved of [true, false]) {
    it(`rope (${interleaved ? 'interleaved, MLA' : 'rotate-half, GQA'}) out of place into a cache row matches the reference`, async () => {
      const [rows, heads, P, srcStride, srcOffset, dstStride, dstOffset, pos0, dstRow0] = [3, 2, 8, 20, 12, 40, 32, 5, 5];
      const src = randomArray(rows * heads * srcStride, 61);
      const cs = ropeTable(10000, P, pos0 + rows);
      const c = chooseRopeConfig({ heads, ropeDim: P, srcStride, srcOffset, dstStride, dstOffset, interleaved }, limits());
      const out = await runKernelOnce(device(), generateRopeWGSL(c, limits()), { src, cs, dst: (dstRow0 + rows) * heads * dstStride * 4 }, { rows, pos0, dstRow0 }, ropeDispatch(c, rows, limits()), ['dst']);
      const want = src.slice();
      ropeRef(want, rows, heads, srcStride, srcOffset, P, cs, pos0, interleaved);
      for (let t = 0; t < rows; t++) {
        for (let h = 0; h < heads; h++) {
          const got = out['dst']!.subarray(((dstRow0 + t) * heads + h) * dstStride + dstOffset, ((dstRow0 + t) * heads + h) * dstStride + dstOffset + P);
          expectClose(got, want.subarray((t * heads + h) * srcStride + srcOffset, (t * heads + h) * srcStride + srcOffset + P), 1e-6, 1e-6, `row ${t} head ${h}`);
        }
      }
    });
  }

  it('per-head projections (MLA W_UK absorption and W_UV) match the reference', async () => {
    const [rows, heads, nope, v, R, qk] = [2, 3, 8, 6, 16, 12];
    const stride = nope + v;
    const wkvb = randomArray(heads * stride * R, 71);
    const q = randomArray(rows * heads * qk, 72);
    const cu = chooseHeadProjectionConfig({ heads, inDim: nope, outDim: R, xStride: qk, xOffset: 0, yStride: R + 4, yOffset: 0, weightLayout: 'in-out', wHeadStride: stride * R, wOffset: 0 }, limits());
    const got = await runKernelOnce(device(), generateHeadProjectionWGSL(cu, limits()), { x: q, w: wkvb, y: rows * heads * (R + 4) * 4 }, { rows }, headProjectionDispatch(cu, rows, limits()), ['y']);
    const olat = randomArray(rows * heads * R, 73);
    const cv = chooseHeadProjectionConfig({ heads, inDim: R, outDim: v, xStride: R, xOffset: 0, yStride: v, yOffset: 0, weightLayout: 'out-in', wHeadStride: stride * R, wOffset: nope * R }, limits());
    const gotV = await runKernelOnce(device(), generateHeadProjectionWGSL(cv, limits()), { x: olat, w: wkvb, y: rows * heads * v * 4 }, { rows }, headProjectionDispatch(cv, rows, limits()), ['y']);
    for (let t = 0; t < rows; t++) {
      for (let h = 0; h < heads; h++) {
        for (let r = 0; r < R; r++) {
          let s = 0;
          for (let d = 0; d < nope; d++) s += q[(t * heads + h) * qk + d]! * wkvb[(h * stride + d) * R + r]!;
          expect(Math.abs(got['y']![(t * heads + h) * (R + 4) + r]! - s)).toBeLessThanOrEqual(TOL * (1 + Math.abs(s)));
        }
        for (let j = 0; j < v; j++) {
          let s = 0;
          for (let r = 0; r < R; r++) s += olat[(t * heads + h) * R + r]! * wkvb[(h * stride + nope + j) * R + r]!;
          expect(Math.abs(gotV['y']![(t * heads + h) * v + j]! - s)).toBeLessThanOrEqual(TOL * (1 + Math.abs(s)));
        }
      }
    }
  });

  for (const [rows, pos0] of [
    [5, 0],
    [1, 9],
  ] as const) {
    it(`attention GQA (${rows === 1 ? 'decode' : 'prefill'}) is causal and matches the reference`, async () => {
      const [heads, kvHeads, D, maxSeq] = [4, 2, 16, 64];
      const S = pos0 + rows;
      const q = randomArray(rows * heads * D, 81);
      const k = randomArray(maxSeq * kvHeads * D, 82);
      const v = randomArray(maxSeq * kvHeads * D, 83);
      // rows past the causal horizon hold garbage that must not leak in
      k.fill(1e3, S * kvHeads * D);
      const c = chooseAttentionConfig({ kind: 'gqa', heads, kvHeads, headDim: D, maxSeq }, limits());
      const out = await runKernelOnce(device(), generateAttentionWGSL(c, limits()), { q, k, v, out: rows * heads * D * 4 }, { rows, pos0 }, attentionDispatch(c, rows), ['out']);
      expectClose(out['out']!, attentionRef(q, k, v, { rows, heads, kvHeads, qkDim: D, vDim: D, keyStride: D, valueStride: D, pos0, scale: c.scale }), TOL, TOL, 'out');
    });

    it(`attention MLA absorbed (${rows === 1 ? 'decode' : 'prefill'}) over the latent cache matches the reference`, async () => {
      const [heads, R, P, nope, maxSeq] = [4, 32, 8, 16, 64];
      const q = randomArray(rows * heads * (R + P), 91);
      const kv = randomArray(maxSeq * (R + P), 92);
      kv.fill(1e3, (pos0 + rows) * (R + P));
      const c = chooseAttentionConfig({ kind: 'mla', heads, kvLoraRank: R, qkNopeDim: nope, qkRopeDim: P, maxSeq }, limits());
      const out = await runKernelOnce(device(), generateAttentionWGSL(c, limits()), { q, kv, out: rows * heads * R * 4 }, { rows, pos0 }, attentionDispatch(c, rows), ['out']);
      expectClose(out['out']!, attentionRef(q, kv, kv, { rows, heads, kvHeads: 1, qkDim: R + P, vDim: R, keyStride: R + P, valueStride: R + P, pos0, scale: 1 / Math.sqrt(nope + P) }), TOL, TOL, 'out');
    });
  }

  it('router (sigmoid, bias, 4 groups choose 2, top-2, normalized, scaled) picks the reference experts and weights', async () => {
    const rows = 9;
    const shape = { experts: 16, topK: 2, groups: 4, groupsChosen: 2, score: 'sigmoid', scale: 2.5, normalize: true, bias: true } as const;
    const logits = randomArray(rows * 16, 101, 3);
    const bias = randomArray(16, 102, 0.3);
    const c = chooseRouterConfig(shape, limits());
    const out = await runKernelOnce(device(), generateRouterWGSL(c, limits()), { logits, bias, idx: rows * 2 * 4, weights: rows * 2 * 4 }, { rows }, routerDispatch(c, rows), ['idx', 'weights']);
    const ref = routerRef(logits, bias, rows, shape);
    expectEqualU32(u32(out['idx']!), ref.idx, 'expert indices');
    expectClose(out['weights']!, ref.weights, TOL, TOL, 'gate weights');
  });

  it('router (softmax, no bias, no groups, top-3, not normalized) matches the reference', async () => {
    const rows = 4;
    const shape = { experts: 8, topK: 3, groups: 1, groupsChosen: 1, score: 'softmax', scale: 1, normalize: false, bias: false } as const;
    const logits = randomArray(rows * 8, 103, 3);
    const c = chooseRouterConfig(shape, limits());
    const out = await runKernelOnce(device(), generateRouterWGSL(c, limits()), { logits, idx: rows * 3 * 4, weights: rows * 3 * 4 }, { rows }, routerDispatch(c, rows), ['idx', 'weights']);
    const ref = routerRef(logits, null, rows, shape);
    expectEqualU32(u32(out['idx']!), ref.idx, 'expert indices');
    expectClose(out['weights']!, ref.weights, TOL, TOL, 'gate weights');
  });

  it('routed experts: plan, grouped gate-up GEMM with SwiGLU, down GEMM and weighted combine match the reference', async () => {
    const [rows, E, topK, H, I] = [6, 8, 2, 32, 24];
    const maxTokens = rows;
    const x = randomArray(rows * H, 111);
    const idx = new Uint32Array(rows * topK);
    for (let t = 0; t < rows; t++) {
      idx[t * 2] = (t * 3) % E;
      idx[t * 2 + 1] = (t * 3 + 1 + (t % 2)) % E;
    }
    const gw = randomArray(rows * topK, 112);
    const wGateUp = randomArray(E * 2 * I * H, 113, 0.2);
    const wDown = randomArray(E * H * I, 114, 0.2);
    const shared = randomArray(rows * H, 115);
    const L = limits();
    const cp = chooseMoePlanConfig({ experts: E, topK, maxTokens }, L);
    const plan = u32((await runKernelOnce(device(), generateMoePlanWGSL(cp, L), { idx, plan: moePlanWords(cp) * 4 }, { rows }, moePlanDispatch(cp), ['plan']))['plan']!);
    const planRef = moePlanRef(idx, rows, E, topK, maxTokens);
    expectEqualU32(plan, planRef, 'plan');
    const cg = chooseExpertGemmConfig({ mode: 'gate-up', experts: E, topK, maxTokens, n: I, k: H }, L, 'cpu');
    const h = (await runKernelOnce(device(), generateExpertGemmWGSL(cg, L), { x, plan: planRef, w: wGateUp, y: E * maxTokens * I * 4 }, {}, expertGemmDispatch(cg), ['y']))['y']!;
    const cd = chooseExpertGemmConfig({ mode: 'down', experts: E, topK, maxTokens, n: H, k: I }, L, 'gpu');
    const y = (await runKernelOnce(device(), generateExpertGemmWGSL(cd, L), { x: h, plan: planRef, w: wDown, y: E * maxTokens * H * 4 }, {}, expertGemmDispatch(cd), ['y']))['y']!;
    const cc = chooseMoeCombineConfig({ experts: E, topK, maxTokens, hidden: H }, L);
    const out = (await runKernelOnce(device(), generateMoeCombineWGSL(cc, L), { weights: gw, plan: planRef, y, out: shared.slice() }, { rows }, moeCombineDispatch(cc, rows, L), ['out']))['out']!;
    // reference: per assignment, the expert's SwiGLU FFN on its token
    const want = shared.slice();
    for (let t = 0; t < rows; t++) {
      for (let k = 0; k < topK; k++) {
        const e = idx[t * topK + k]!;
        const g = matmulRef(x.subarray(t * H, (t + 1) * H), wGateUp.subarray(e * 2 * I * H, (e + 1) * 2 * I * H), 1, 2 * I, H);
        const hv = swigluRef(g, 1, I);
        const slot = planRef[E + E * maxTokens + t * topK + k]!;
        expectClose(h.subarray(slot * I, (slot + 1) * I), hv, TOL, TOL, `h of token ${t} slot ${k}`);
        const yv = matmulRef(hv, wDown.subarray(e * H * I, (e + 1) * H * I), 1, H, I);
        for (let c = 0; c < H; c++) want[t * H + c] = want[t * H + c]! + gw[t * topK + k]! * yv[c]!;
      }
    }
    expectClose(out, want, TOL, TOL, 'combined');
  });

  it('every kernel also compiles under the WebGPU compatibility defaults (the GL ES backend’s floor)', () => {
    // A pure check of config choice against the compat limits; compile-only runs are in the host's tests.
    const c = chooseMatmulConfig({ m: 64, n: 64, k: 64 }, COMPAT_DEFAULT_LIMITS, 'gpu');
    expect(c.rowsPerThread * c.colsPerThread).toBe(32);
  });
});
