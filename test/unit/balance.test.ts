import { describe, expect, it } from 'vitest';
import { biasStepsToBalance, biasSwing, initialPopularity, maxVio, runBalance, simulateBalance, solveThreshold, type BalanceSimSpec } from '../../src/cost/balance-sim.js';
import { Rng } from '../../src/util/rng.js';
import { normalCdf, normalQuantile } from '../../src/util/normal.js';
import type { BalanceResult } from '../../src/passes/balance.js';
import { codes, compileText } from './fixtures.js';

const SPEC: BalanceSimSpec = { experts: 64, topK: 6, tokens: 1_000_000, steps: 300, skew: 0.3, drift: 0.002, seed: 5 };

describe('the standard normal', () => {
  it('Φ and Φ⁻¹ invert each other', () => {
    for (const p of [1e-6, 0.01, 0.03125, 0.5, 0.9, 0.999]) expect(normalCdf(normalQuantile(p))).toBeCloseTo(p, 6);
    expect(normalCdf(1.959963984540054)).toBeCloseTo(0.975, 6);
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
    const tokens = 40000;
    const key = new Float64Array(64);
    const idx = Array.from({ length: 64 }, (_, i) => i);
    for (let t = 0; t < tokens; t++) {
      for (let i = 0; i < 64; i++) key[i] = 1 / (1 + Math.exp(-(beta[i]! + rng.normal()))) + bias[i]!;
      idx.sort((a, b) => key[b]! - key[a]!);
      for (let j = 0; j < 6; j++) counts[idx[j]!]!++;
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
