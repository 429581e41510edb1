import { describe, expect, it } from 'vitest';
import { biasStepsToBalance, biasSwing, initialPopularity, maxVio, runBalance, simulateBalance, solveThreshold, type BalanceSimSpec } from '../../src/cost/balance-sim.js';
import { mulberry32, Rng } from '../../src/util/rng.js';
import { erfc, normalCdf, normalQuantile } from '../../src/util/normal.js';
import type { BalanceResult } from '../../src/passes/balance.js';
import { codes, compileText } from './fixtures.js';

const SPEC: BalanceSimSpec = { experts: 64, topK: 6, tokens: 1_000_000, steps: 300, skew: 0.3, drift: 0.002, seed: 5 };

describe('the standard normal', () => {
  it('Φ and Φ⁻¹ invert each other', () => {
    for (const p of [1e-6, 0.01, 0.03125, 0.5, 0.9, 0.999]) expect(normalCdf(normalQuantile(p))).toBeCloseTo(p, 6);
    expect(normalCdf(1.959963984540054)).toBeCloseTo(0.975, 6);
  });

  it('Φ agrees with 30-digit values (mpmath) to 1e-15, and with the erfc fit it replaced', () => {
    const exact: [number, number][] = [[-8, 6.2209605742717841e-16], [-5, 2.8665157187919391e-7], [-3, 0.0013498980316300945], [-1, 0.15865525393145705], [0.5, 0.6914624612740131], [2, 0.97724986805182079]];
    for (const [x, p] of exact) {
      expect(Math.abs(normalCdf(x) - p)).toBeLessThan(1e-15);
      expect(Math.abs(normalCdf(x) / p - 1)).toBeLessThan(1e-8);
    }
    for (let x = -6; x <= 6; x += 0.01) expect(Math.abs(normalCdf(x) - 0.5 * erfc(-x / Math.SQRT2))).toBeLessThan(5e-8);
  });

  it('the ziggurat draws standard normals', () => {
    const n = 200_000;
    const z = new Float64Array(n);
    new Rng(2024).fillGaussian(z);
    let m1 = 0;
    let m2 = 0;
    let m4 = 0;
    let tail = 0;
    for (const x of z) {
      m1 += x;
      m2 += x * x;
      m4 += x ** 4;
      if (Math.abs(x) > 3.442619855899) tail++;
    }
    // Moments within 4 standard errors: mean (1/√n), variance (√(2/n)), fourth moment (√(96/n)).
    expect(Math.abs(m1 / n)).toBeLessThan(4 / Math.sqrt(n));
    expect(Math.abs(m2 / n - 1)).toBeLessThan(4 * Math.sqrt(2 / n));
    expect(Math.abs(m4 / n - 3)).toBeLessThan(4 * Math.sqrt(96 / n));
    // The tail beyond R comes from its own sampler: 2Φ(−R)·n ≈ 115 draws, within 4 standard deviations.
    const expected = 2 * normalCdf(-3.442619855899) * n;
    expect(Math.abs(tail - expected)).toBeLessThan(4 * Math.sqrt(expected));
    // Kolmogorov–Smirnov distance to Φ below its 1 % critical value 1.63/√n.
    const sorted = z.slice().sort();
    let ks = 0;
    for (let i = 0; i < n; i++) {
      const f = normalCdf(sorted[i]!);
      ks = Math.max(ks, Math.abs(f - i / n), Math.abs(f - (i + 1) / n));
    }
    expect(ks).toBeLessThan(1.63 / Math.sqrt(n));
  });

  it('fillGaussian gives the same values as gaussian, seeded', () => {
    const a = new Rng(7);
    const b = new Rng(7);
    const filled = new Float64Array(5000);
    b.fillGaussian(filled, 0, 2500);
    b.fillGaussian(filled, 2500);
    for (let i = 0; i < filled.length; i++) expect(filled[i]).toBe(a.gaussian());
    expect(new Rng(8).gaussian()).not.toBe(new Rng(7).gaussian());
  });

  it('keeps mulberry32 and Box–Muller as they were (the placement figures depend on them)', () => {
    const r = new Rng(1);
    const g = mulberry32(1);
    for (let i = 0; i < 1000; i++) expect(r.uniform()).toBe(g());
    const bm = new Rng(3);
    const u = mulberry32(3);
    for (let i = 0; i < 100; i++) {
      let u1 = u();
      while (u1 === 0) u1 = u();
      const v = u();
      const rho = Math.sqrt(-2 * Math.log(u1));
      expect(bm.normal()).toBe(rho * Math.cos(2 * Math.PI * v));
      expect(bm.normal()).toBe(rho * Math.sin(2 * Math.PI * v));
    }
  });
});

describe('the mean-field top-k', () => {
  it('takes k experts per token on average', () => {
    const beta = initialPopularity(SPEC);
    const bias = Float64Array.from({ length: 64 }, (_, i) => 0.01 * Math.sin(i));
    const p = new Float64Array(64);
    solveThreshold(beta, new Float64Array(64), bias, 6, p);
    expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(6, 6);
  });

  it('agrees with token-by-token top-k on s + b', () => {
    const beta = initialPopularity(SPEC);
    const bias = Float64Array.from({ length: 64 }, (_, i) => 0.05 * Math.cos(i * 1.7));
    const p = new Float64Array(64);
    solveThreshold(beta, new Float64Array(64), bias, 6, p);
    const rng = new Rng(99);
    const counts = new Float64Array(64);
    // MaxVio of sampled counts is biased up by the noise of the busiest expert (≈ 0.03 at 40,000
    // tokens, ≈ 0.015 at 160,000): enough tokens that the comparison tests the model, not the noise.
    const tokens = 160_000;
    const key = new Float64Array(64);
    const top = new Int32Array(6);
    for (let t = 0; t < tokens; t++) {
      for (let i = 0; i < 64; i++) key[i] = 1 / (1 + Math.exp(-(beta[i]! + rng.normal()))) + bias[i]!;
      // Exact top-6 by insertion (ties: the lower index first, as a stable sort would).
      let n = 0;
      for (let i = 0; i < 64; i++) {
        if (n === 6 && key[i]! <= key[top[5]!]!) continue;
        let j = n < 6 ? n++ : 5;
        while (j > 0 && key[top[j - 1]!]! < key[i]!) {
          top[j] = top[j - 1]!;
          j--;
        }
        top[j] = i;
      }
      for (let j = 0; j < 6; j++) counts[top[j]!]!++;
    }
    // Loads relative to the mean: the mean-field model within a few percent of exact top-k.
    let worst = 0;
    for (let i = 0; i < 64; i++) worst = Math.max(worst, Math.abs(counts[i]! / tokens - p[i]!) / (6 / 64));
    expect(worst).toBeLessThan(0.08);
    // And it ranks the imbalance the same way: MaxVio within 0.05.
    expect(Math.abs(maxVio(counts) - maxVio(p))).toBeLessThan(0.05);
  });
});

describe('the bias controller', () => {
  const none = simulateBalance(SPEC, { kind: 'none' });
  const bias = simulateBalance(SPEC, { kind: 'bias', rate: 0.001 });
  const aux = simulateBalance(SPEC, { kind: 'aux', alpha: 0.001 });

  it('balances far better than no balancing at steady state', () => {
    expect(none.steadyMaxVio).toBeGreaterThan(0.5);
    expect(bias.steadyMaxVio).toBeLessThan(0.1 * none.steadyMaxVio);
    expect(bias.firstWithin(0.1)).not.toBeNull();
  });

  it('beats the auxiliary-loss-style reweighting at the same step size, without touching the gates', () => {
    expect(bias.steadyMaxVio).toBeLessThan(aux.steadyMaxVio);
    expect(bias.gateShift).toBe(0);
    expect(aux.gateShift).toBeGreaterThan(0);
  });

  it('starts from the same routing under every controller (common random numbers)', () => {
    expect(bias.maxVio[0]).toBe(none.maxVio[0]);
    expect(aux.maxVio[0]).toBe(none.maxVio[0]);
  });

  it('is deterministic for a seed and changes with it', () => {
    expect(runBalance(SPEC, { kind: 'bias', rate: 0.001 }).maxVio).toEqual(bias.maxVio);
    expect(runBalance({ ...SPEC, seed: 6 }, { kind: 'bias', rate: 0.001 }).maxVio[0]).not.toBe(bias.maxVio[0]);
  });

  it('takes about as long as estimated to balance, and settles near the estimated swing', () => {
    const beta = initialPopularity(SPEC);
    const est = biasStepsToBalance(beta, 64, 6, 0.001);
    const reached = bias.firstWithin(0.1)!;
    expect(reached).toBeGreaterThan(0.3 * est);
    expect(reached).toBeLessThan(2 * est);
    const swing = biasSwing(beta, 64, 6, 0.001);
    expect(bias.steadyMaxVio).toBeLessThan(3 * swing);
  });

  it('oscillates with a large rate', () => {
    const big = simulateBalance(SPEC, { kind: 'bias', rate: 0.05 });
    expect(big.steadyMaxVio).toBeGreaterThan(bias.steadyMaxVio);
    expect(biasSwing(initialPopularity(SPEC), 64, 6, 0.05)).toBeGreaterThan(0.5);
  });
});

const V3_TRAIN = (sim: string, rate = '') => `
import "models/deepseek-v3"
import "clusters/deepseek-h800"
${rate ? `model Variant {
  vocab = 129280
  hidden = 7168
  layers = 4
  attention = mla { heads = 128  q_lora_rank = 1536  kv_lora_rank = 512  qk_nope_dim = 128  qk_rope_dim = 64  v_dim = 128 }
  moe layers[0..] {
    routed = 256
    expert = swiglu { intermediate = 2048 }
    shared = 1
    top_k = 8
    router = sigmoid { scale = 2.5  normalize = true }
    groups = 8 choose 4
    balance = ${rate}
  }
}` : ''}
train T {
  model = ${rate ? 'Variant' : 'DeepSeekV3'}
  on = DeepSeekH800
  sequence = 4096
  batch = 15360
  precision = fp8
  recompute = full
  parallel { pipeline = ${rate ? 4 : 16}  expert = 64 }
  routing { max_nodes = 4 }
  ${sim}
}`;

function balanceCodes(text: string): string[] {
  return codes(compileText(text)).filter((c) => c >= 'KAS0530' && c <= 'KAS0549');
}

describe('the balance pass', () => {
  it('holds DeepSeek-V3 (u = 0.001) within tolerance, far below no balancing', () => {
    const r = compileText(V3_TRAIN(''));
    expect(balanceCodes(V3_TRAIN(''))).toEqual([]);
    const d = r.ir!.deployments[0]!;
    const res = r.analysis!.passResults.get(d)!.find((p) => p.pass.name === 'balance')!.result as BalanceResult;
    const [none, bias, aux] = res.controllers;
    expect(none!.method).toBe('none');
    expect(bias).toMatchObject({ method: 'bias_update', rate: 0.001, declared: true });
    expect(aux!.method).toBe('aux_loss');
    expect(bias!.steadyMaxVio).toBeLessThan(res.sim.tolerance);
    expect(bias!.steadyMaxVio).toBeLessThan(0.1 * none!.steadyMaxVio);
    expect(res.sim.tokens).toBe(15360 * 4096);
  });

  it('KAS0540: a rate too small to converge within the horizon', () => {
    expect(balanceCodes(V3_TRAIN('', 'bias_update { rate = 0.00001 }'))).toEqual(['KAS0540']);
  });

  it('KAS0541: a rate large enough to oscillate', () => {
    expect(balanceCodes(V3_TRAIN('', 'bias_update { rate = 0.01 }'))).toEqual(['KAS0541']);
  });

  it('KAS0542: a batch too small to balance', () => {
    expect(balanceCodes(V3_TRAIN('balance_sim { tokens = 4096 }'))).toEqual(['KAS0542']);
  });
});
