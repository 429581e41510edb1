/** The TypeScript E4M3 codec: exhaustive over the 256 codes, RNE ties, saturation, subnormals, block scaling. */
import { describe, expect, it } from 'vitest';
import { E4M3_MAX, blockScale, decodeE4M3, dequantizeBlocks, encodeE4M3, fp8BlockGemm, packE4M3, quantizeBlocks, unpackE4M3 } from '../../../src/codegen/reference/fp8.js';
import { mulberry32 } from '../../../src/util/rng.js';

/** The 127 finite non-negative E4M3 values, by an independent formula (sign, 4-bit exponent, 3-bit mantissa, bias 7). */
const POSITIVE: number[] = [];
for (let c = 0; c < 0x7f; c++) {
  const e = c >> 3;
  const m = c & 7;
  POSITIVE.push(e === 0 ? (m / 8) * 2 ** -6 : (1 + m / 8) * 2 ** (e - 7));
}

/** Nearest representable by brute force; ties to the even code; beyond 448 saturates. */
function bruteEncode(x: number): number {
  const a = Math.abs(x);
  const sign = x < 0 || Object.is(x, -0) ? 0x80 : 0;
  let best = 0;
  for (let c = 1; c < POSITIVE.length; c++) {
    const d = Math.abs(POSITIVE[c]! - a) - Math.abs(POSITIVE[best]! - a);
    if (d < 0 || (d === 0 && c % 2 === 0)) best = c;
  }
  return sign | best;
}

describe('E4M3 codec', () => {
  it('decodes all 256 codes: 0x7f/0xff are NaN, the rest match the formula, ±448 is the largest', () => {
    for (let c = 0; c < 256; c++) {
      const v = decodeE4M3(c);
      if ((c & 0x7f) === 0x7f) expect(v, `code ${c}`).toBeNaN();
      else expect(Object.is(v, (c & 0x80 ? -1 : 1) * POSITIVE[c & 0x7f]!), `code ${c}: ${v}`).toBe(true);
    }
    expect(decodeE4M3(0x7e)).toBe(E4M3_MAX);
    expect(decodeE4M3(0xfe)).toBe(-E4M3_MAX);
    expect(decodeE4M3(0x01)).toBe(2 ** -9);
  });

  it('round-trips every code (encode(decode(c)) = c), NaN stays NaN', () => {
    for (let c = 0; c < 256; c++) {
      if ((c & 0x7f) === 0x7f) expect(encodeE4M3(decodeE4M3(c)) & 0x7f).toBe(0x7f);
      else expect(encodeE4M3(decodeE4M3(c)), `code ${c}`).toBe(c);
    }
  });

  it('rounds every midpoint between neighbouring codes to the even code, and points just off it to the nearer', () => {
    for (let c = 0; c < 0x7e; c++) {
      const lo = POSITIVE[c]!;
      const hi = POSITIVE[c + 1]!;
      const mid = (lo + hi) / 2;
      expect(Math.fround(mid)).toBe(mid);
      expect(encodeE4M3(mid), `tie ${lo}..${hi}`).toBe(c % 2 === 0 ? c : c + 1);
      expect(encodeE4M3(-mid)).toBe(0x80 | (c % 2 === 0 ? c : c + 1));
      expect(encodeE4M3(mid * (1 - 2 ** -20))).toBe(c);
      expect(encodeE4M3(mid * (1 + 2 ** -20))).toBe(c + 1);
    }
  });

  it('saturates to ±448 (finite overflow and infinities), never to the NaN code', () => {
    for (const v of [448, 460, 464, 480, 1e6, 3.4e38, Infinity]) {
      expect(encodeE4M3(v), `${v}`).toBe(0x7e);
      expect(encodeE4M3(-v)).toBe(0xfe);
    }
    expect(encodeE4M3(NaN) & 0x7f).toBe(0x7f);
  });

  it('handles subnormals: m·2^-9, ties to even, rounding up into the smallest normal', () => {
    expect(encodeE4M3(2 ** -9)).toBe(1);
    expect(encodeE4M3(2 ** -10)).toBe(0); // tie 0 | 2^-9 → even (0)
    expect(encodeE4M3(3 * 2 ** -10)).toBe(2); // tie 1 | 2 → 2
    expect(encodeE4M3(7.5 * 2 ** -9)).toBe(8); // tie 7 | 8 → code 8 = 2^-6, the smallest normal
    expect(encodeE4M3(1e-30)).toBe(0);
    expect(encodeE4M3(-1e-30)).toBe(0x80);
    expect(encodeE4M3(-0)).toBe(0x80);
  });

  it('agrees with a brute-force nearest search on 20,000 random values over the whole range', () => {
    const r = mulberry32(42);
    for (let i = 0; i < 20000; i++) {
      const x = Math.fround((r() < 0.5 ? -1 : 1) * 2 ** (r() * 22 - 12));
      expect(encodeE4M3(x), `${x}`).toBe(bruteEncode(x));
    }
  });

  it('packs four codes per u32, value 4i+j in bits 8j..8j+7', () => {
    const codes = new Uint8Array([1, 2, 3, 4, 0xfe, 0x80, 0, 0x7e]);
    const words = packE4M3(codes);
    expect([...words]).toEqual([0x04030201, 0x7e0080fe]);
    expect([...unpackE4M3(words)]).toEqual([...codes]);
    expect(() => packE4M3(new Uint8Array(3))).toThrow(/multiple of 4/);
  });
});

describe('block scaling', () => {
  it('scales each 1×128 tile by amax/448 so the largest value maps to ±448; a zero block gets scale 1', () => {
    const x = new Float32Array(2 * 256);
    for (let i = 0; i < x.length; i++) x[i] = Math.sin(i) * (1 + (i >> 7));
    x.fill(0, 384, 512);
    const q = quantizeBlocks(x, 2, 256, 1);
    expect(q.scales.length).toBe(4);
    expect(q.scales[3]).toBe(1);
    for (let b = 0; b < 3; b++) {
      let amax = 0;
      for (let i = b * 128; i < (b + 1) * 128; i++) amax = Math.max(amax, Math.abs(x[i]!));
      expect(q.scales[b]).toBe(blockScale(amax));
    }
    const back = dequantizeBlocks(q);
    // E4M3 keeps 3 mantissa bits: relative error ≤ 2^-4 for normals, plus the subnormal floor
    for (let i = 0; i < x.length; i++) expect(Math.abs(back[i]! - x[i]!)).toBeLessThanOrEqual(Math.abs(x[i]!) * 2 ** -4 + q.scales[Math.floor(i / 128)]! * 2 ** -10);
  });

  it('uses one scale per 128×128 weight block, with partial blocks at the edges', () => {
    const q = quantizeBlocks(new Float32Array(130 * 260).fill(1), 130, 260, 128);
    expect(q.scales.length).toBe(2 * 3);
  });

  it('FP8 block GEMM: promotion interval changes only rounding; the result is close to the f32 product of the dequantized operands', () => {
    const r = mulberry32(3);
    const [M, N, K] = [3, 5, 512];
    const a = quantizeBlocks(Float32Array.from({ length: M * K }, () => r() * 2 - 1), M, K, 1);
    const b = quantizeBlocks(Float32Array.from({ length: N * K }, () => r() * 0.2 - 0.1), N, K, 128);
    const da = dequantizeBlocks(a);
    const db = dequantizeBlocks(b);
    for (const nc of [128, 32]) {
      const c = fp8BlockGemm(a, b, nc);
      for (let i = 0; i < M; i++)
        for (let j = 0; j < N; j++) {
          let s = 0;
          for (let k = 0; k < K; k++) s += da[i * K + k]! * db[j * K + k]!;
          expect(Math.abs(c[i * N + j]! - s)).toBeLessThan(1e-5);
        }
    }
    expect(() => fp8BlockGemm(a, b, 96)).toThrow(/must divide the scale block/);
  });

  it('promotion every N_C = 128 rescues a narrow (13-bit, truncating) accumulator at K = 4096 (ISCA §3.1)', () => {
    const r = mulberry32(9);
    const [M, N, K] = [4, 8, 4096];
    // positive-mean operands make the accumulated sum grow, which is where a narrow accumulator loses bits
    const a = quantizeBlocks(Float32Array.from({ length: M * K }, () => r() * 2 - 0.7), M, K, 1, K);
    const b = quantizeBlocks(Float32Array.from({ length: N * K }, () => (r() * 2 - 0.7) * 0.05), N, K, K, K);
    const da = dequantizeBlocks(a);
    const db = dequantizeBlocks(b);
    const worst = (c: Float32Array): number => {
      let w = 0;
      for (let i = 0; i < M; i++)
        for (let j = 0; j < N; j++) {
          let s = 0;
          for (let k = 0; k < K; k++) s += da[i * K + k]! * db[j * K + k]!;
          w = Math.max(w, Math.abs(c[i * N + j]! - s) / Math.abs(s));
        }
      return w;
    };
    expect(worst(fp8BlockGemm(a, b, K, 23))).toBeLessThan(1e-6);
    expect(worst(fp8BlockGemm(a, b, K, 13))).toBeGreaterThan(1e-2); // ~8% here: no promotion
    expect(worst(fp8BlockGemm(a, b, 128, 13))).toBeLessThan(1e-3); // ~0.05%: promoted every 128
  });
});
