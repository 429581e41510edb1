/**
 * adoptDeviceTies (src/codegen/reference/fp8.ts): the reference takes the device's E4M3 rounding of an
 * activation only where the two differ at a rounding midpoint (an f32 input one ulp apart) or by a
 * scale one rounding step apart, and keeps its own quantization for any other difference.
 */
import { describe, expect, it } from 'vitest';
import { E4M3_TIE_TOLERANCE, adoptDeviceTies, emptyTieReport, encodeE4M3, quantizeBlocks } from '../../../src/codegen/reference/fp8.js';
import { mulberry32 } from '../../../src/util/rng.js';

const COLS = 256;

/** One row of 256 values, amax 448·s with s = 1/64, so x/s is easy to place on the E4M3 grid. */
function row(seed: number): Float32Array {
  const r = mulberry32(seed);
  const x = Float32Array.from({ length: COLS }, () => (r() * 2 - 1) * 5);
  x[0] = 7; // amax of block 0: scale 7/448 = 1/64
  x[128] = -7; // and of block 1
  return x;
}

function copy(q: { rows: number; cols: number; codes: Uint8Array; scales: Float32Array }): { rows: number; cols: number; codes: Uint8Array; scales: Float32Array } {
  return { rows: q.rows, cols: q.cols, codes: Uint8Array.from(q.codes), scales: Float32Array.from(q.scales) };
}

describe('adoptDeviceTies', () => {
  it('returns the reference’s own tensor untouched when the device agrees bit for bit', () => {
    const x = row(1);
    const own = quantizeBlocks(x, 1, COLS, 1);
    const report = emptyTieReport();
    const got = adoptDeviceTies(own, x, copy(own), report);
    expect(Array.from(got.codes)).toEqual(Array.from(own.codes));
    expect(report).toEqual({ ties: 0, scales: 0, rejected: 0, worstTie: 0 });
  });

  it('adopts the other rounding of a value at an E4M3 midpoint (23 in scale units lies between 22 and 24)', () => {
    const x = row(2);
    x[5] = Math.fround((23 + 1e-5) / 64); // the reference rounds up to 24, a device one ulp lower to 22
    const own = quantizeBlocks(x, 1, COLS, 1);
    expect(own.codes[5]).toBe(encodeE4M3(24));
    const device = copy(own);
    device.codes[5] = encodeE4M3(22);
    const report = emptyTieReport();
    const got = adoptDeviceTies(own, x, device, report);
    expect(got.codes[5]).toBe(encodeE4M3(22));
    expect(report.ties).toBe(1);
    expect(report.rejected).toBe(0);
    expect(report.worstTie).toBeLessThan(E4M3_TIE_TOLERANCE);
  });

  it('adopts a scale one ulp apart (the amax one ulp apart) and the codes it moves', () => {
    const x = row(3);
    const own = quantizeBlocks(x, 1, COLS, 1);
    const device = copy(own);
    const s = new Float32Array([own.scales[1]!]);
    new Uint32Array(s.buffer)[0]! += 1;
    device.scales[1] = s[0]!;
    for (let c = 128; c < COLS; c++) device.codes[c] = encodeE4M3(Math.fround(x[c]! / s[0]!));
    const report = emptyTieReport();
    const got = adoptDeviceTies(own, x, device, report);
    expect(got.scales[1]).toBe(s[0]);
    expect(report.scales).toBe(1);
    expect(report.rejected).toBe(0);
  });

  type Device = { rows: number; cols: number; codes: Uint8Array; scales: Float32Array };
  const cases: [string, (x: Float32Array) => void, (d: Device) => void][] = [
    ['a code one step off away from any midpoint', (x) => (x[9] = 20 / 64), (d) => (d.codes[9] = encodeE4M3(22))],
    ['a code two steps off at a midpoint', (x) => (x[9] = Math.fround((23 + 1e-5) / 64)), (d) => (d.codes[9] = encodeE4M3(20))],
    ['a sign flip', (x) => (x[9] = 3 / 64), (d) => (d.codes[9] = encodeE4M3(-3))],
    ['a scale off by 0.1 %', () => {}, (d) => (d.scales[0] = d.scales[0]! * 1.001)],
    ['a shape that is not this activation', () => {}, (d) => (d.rows = 2)],
  ];
  for (const [what, setup, mutate] of cases) {
    it(`keeps its own quantization and counts a rejection for ${what}`, () => {
      const x = row(4);
      setup(x);
      const own = quantizeBlocks(x, 1, COLS, 1);
      const device = copy(own);
      mutate(device);
      const report = emptyTieReport();
      const got = adoptDeviceTies(own, x, device, report);
      expect(got).toBe(own);
      expect(report.rejected).toBe(1);
      expect(report.ties).toBe(0);
    });
  }
});
