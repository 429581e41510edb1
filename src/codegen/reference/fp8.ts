/**
 * FP8 E4M3 (the OCP "E4M3FN" variant DeepSeek-V3 trains with: bias 7, no infinities, one NaN
 * pattern S.1111.111, largest finite ±448, subnormals m·2⁻⁹) in TypeScript, bit-for-bit the same
 * rules as the WGSL kernels: round to nearest, ties to even; saturate to ±448; NaN stays NaN.
 *
 * Block scaling follows DeepSeek-V3 (V3TR §3.3): activations per 1×128 tile (per token, 128
 * channels), weights per 128×128 block, FP32 scales, scale = amax / 448.
 */

import { E4M3_MAX, E4M3_NAN, blockScale, decodeE4M3, encodeE4M3, f32Bits } from '../runtime/fp8.js';

// The codec is the portable runtime's (src/codegen/runtime/fp8.ts), which the emitted TypeScript
// module carries to quantize weights at load: one implementation, so the two cannot drift.
export { E4M3_MAX, E4M3_NAN, blockScale, decodeE4M3, encodeE4M3, f32Bits };
/** Scale-block edge along K (and along N for weights), DeepSeek-V3's 128. */
export const FP8_BLOCK = 128;

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Codes of `values` packed four to a u32, little-endian within the word (value 4i in bits 0..7). */
export function packE4M3(codes: Uint8Array): Uint32Array {
  if (codes.length % 4 !== 0) throw new Error(`packE4M3: length ${codes.length} is not a multiple of 4`);
  return new Uint32Array(codes.buffer.slice(codes.byteOffset, codes.byteOffset + codes.length));
}

export function unpackE4M3(words: Uint32Array): Uint8Array {
  return new Uint8Array(words.buffer.slice(words.byteOffset, words.byteOffset + words.byteLength));
}

export interface Fp8Tensor {
  /** E4M3 codes, row-major [rows, cols]. */
  readonly codes: Uint8Array;
  /** FP32 scales, row-major [ceil(rows / blockRows), ceil(cols / blockCols)]. */
  readonly scales: Float32Array;
  readonly rows: number;
  readonly cols: number;
  readonly blockRows: number;
  readonly blockCols: number;
}

/**
 * Block-scaled quantization of a row-major [rows, cols] matrix. blockRows = 1 gives DeepSeek's
 * activation tiles (1×128), blockRows = 128 its weight blocks (128×128). A last partial block is
 * allowed. Each value is stored as encode(x / scale), the division in f32.
 */
export function quantizeBlocks(x: Float32Array, rows: number, cols: number, blockRows: number, blockCols: number = FP8_BLOCK): Fp8Tensor {
  const br = Math.ceil(rows / blockRows);
  const bc = Math.ceil(cols / blockCols);
  const scales = new Float32Array(br * bc);
  const codes = new Uint8Array(rows * cols);
  for (let bi = 0; bi < br; bi++) {
    for (let bj = 0; bj < bc; bj++) {
      const r1 = Math.min(rows, (bi + 1) * blockRows);
      const c1 = Math.min(cols, (bj + 1) * blockCols);
      let amax = 0;
      for (let r = bi * blockRows; r < r1; r++) for (let c = bj * blockCols; c < c1; c++) amax = Math.max(amax, Math.abs(x[r * cols + c]!));
      const s = blockScale(amax);
      scales[bi * bc + bj] = s;
      for (let r = bi * blockRows; r < r1; r++) for (let c = bj * blockCols; c < c1; c++) codes[r * cols + c] = encodeE4M3(Math.fround(x[r * cols + c]! / s));
    }
  }
  return { codes, scales, rows, cols, blockRows, blockCols };
}

export function dequantizeBlocks(q: Fp8Tensor): Float32Array {
  const out = new Float32Array(q.rows * q.cols);
  const bc = Math.ceil(q.cols / q.blockCols);
  for (let r = 0; r < q.rows; r++) {
    for (let c = 0; c < q.cols; c++) {
      const s = q.scales[Math.floor(r / q.blockRows) * bc + Math.floor(c / q.blockCols)]!;
      out[r * q.cols + c] = Math.fround(decodeE4M3(q.codes[r * q.cols + c]!) * s);
    }
  }
  return out;
}

/**
 * Keep `bits` of the 23 f32 mantissa bits, rounding toward zero: an emulation of a narrow
 * accumulator (Hopper's FP8 tensor cores keep ~13–14 bits, ISCA §3.1). 23 is the identity.
 */
export function truncateMantissa(x: number, bits: number): number {
  if (bits >= 23) return x;
  f32[0] = x;
  u32[0] = u32[0]! & ~((1 << (23 - bits)) - 1);
  return f32[0]!;
}

/**
 * Block-scaled FP8 GEMM, C[M,N] = A[M,K] · B[N,K]ᵀ, with A in 1×blockK tiles and B in blockN×blockK
 * blocks. Products of two E4M3 values are exact in f32; they are summed in f32 in K order into a
 * partial sum that is promoted — multiplied by both scales and added to the FP32 accumulator — every
 * `promoteEvery` elements (N_C = 128 in DeepSeek-V3). This is the order the WGSL kernel uses.
 * `accumulatorBits` < 23 truncates the partial sum after every add (a narrow tensor-core accumulator).
 */
export function fp8BlockGemm(a: Fp8Tensor, b: Fp8Tensor, promoteEvery: number = FP8_BLOCK, accumulatorBits: number = 23): Float32Array {
  const M = a.rows;
  const K = a.cols;
  const N = b.rows;
  if (b.cols !== K) throw new Error(`fp8BlockGemm: A is [${M}, ${K}] but B is [${N}, ${b.cols}]`);
  if (a.blockRows !== 1 || a.blockCols !== b.blockCols) throw new Error('fp8BlockGemm: A must be 1×blockK tiles with the same blockK as B');
  if (a.blockCols % promoteEvery !== 0) throw new Error(`fp8BlockGemm: promoteEvery ${promoteEvery} must divide the scale block ${a.blockCols}`);
  const adec = Float32Array.from(a.codes, decodeE4M3);
  const bdec = Float32Array.from(b.codes, decodeE4M3);
  const abc = Math.ceil(K / a.blockCols);
  const out = new Float32Array(M * N);
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) {
      let acc = 0;
      for (let k0 = 0; k0 < K; k0 += promoteEvery) {
        let part = 0;
        const k1 = Math.min(K, k0 + promoteEvery);
        for (let k = k0; k < k1; k++) part = truncateMantissa(Math.fround(part + adec[m * K + k]! * bdec[n * K + k]!), accumulatorBits);
        const kb = Math.floor(k0 / a.blockCols);
        const s = Math.fround(a.scales[m * abc + kb]! * b.scales[Math.floor(n / b.blockRows) * abc + kb]!);
        acc = Math.fround(acc + Math.fround(part * s));
      }
      out[m * N + n] = acc;
    }
  }
  return out;
}

/** One activation as a device quantized it: E4M3 codes [rows, cols], scales [rows, ⌈cols/blockCols⌉] (1×blockCols tiles). */
export interface QuantizedActivation {
  readonly rows: number;
  readonly cols: number;
  readonly codes: Uint8Array;
  readonly scales: Float32Array;
}

/**
 * How far (as a fraction of the block's amax) the reference's value may sit from an E4M3 rounding
 * midpoint for the device's other rounding of it to count as a tie. The non-FP8 f32 kernels (norms,
 * attention, SwiGLU, the residual stream) differ from the reference (f64 sums, Math.exp) in the last
 * bits, ~1e-7 of a block's amax; 2⁻¹⁶ ≈ 1.5e-5 leaves a wide margin for that and for a scale one ulp
 * apart, and still rejects a code that is off by a step away from a midpoint (a real kernel bug).
 */
export const E4M3_TIE_TOLERANCE = 2 ** -16;

/** What `adoptDeviceTies` found; the reference adds up one per FP8 linear. */
export interface TieReport {
  /** Codes the device rounded the other way at a tie, taken from the device. */
  ties: number;
  /** Blocks whose scale differs by rounding noise (the amax one ulp apart), taken from the device. */
  scales: number;
  /** Activations the device quantized differently beyond a tie: the reference keeps its own (the logits will then differ). */
  rejected: number;
  /** Largest |x/scale − midpoint| / 448 of an adopted tie. */
  worstTie: number;
}

export function emptyTieReport(): TieReport {
  return { ties: 0, scales: 0, rejected: 0, worstTie: 0 };
}

/** True when no E4M3 value lies strictly between the values of codes a and b (neighbours on the signed grid; ±0 are one point). */
function adjacentCodes(a: number, b: number): boolean {
  const ma = a & 0x7f;
  const mb = b & 0x7f;
  if ((a & 0x80) === (b & 0x80)) return Math.abs(ma - mb) === 1;
  return Math.min(ma, mb) === 0 && Math.max(ma, mb) <= 1;
}

/**
 * The reference's quantization `own` of activation `x`, reconciled with the device's `device`:
 * E4M3 rounding is discontinuous, so an input that differs in its last f32 bit (the f32 kernels
 * before a linear are not bit-identical to the reference) rounds to the neighbouring code when it
 * sits at a midpoint — a legitimate difference that then forks the two forward passes (seed 9 of
 * `kasc run examples/tiny-moe.kas --precision fp8`: 22.99998 vs 23.00001 in scale units, codes 22
 * and 24, and 0.17 on the logits three layers on). Every difference is checked: a scale may differ
 * by rounding noise only, a code only by one grid step at a midpoint (within E4M3_TIE_TOLERANCE of
 * the amax). When all differences are such ties the device's codes and scales are returned, so the
 * reference continues from exactly what the device computed; otherwise `own` is, unchanged.
 */
export function adoptDeviceTies(own: Fp8Tensor, x: Float32Array, device: QuantizedActivation, report: TieReport, tolerance: number = E4M3_TIE_TOLERANCE): Fp8Tensor {
  const { rows, cols, blockCols } = own;
  if (own.blockRows !== 1 || device.rows !== rows || device.cols !== cols || device.codes.length !== rows * cols || device.scales.length !== own.scales.length) {
    report.rejected++;
    return own;
  }
  const nb = Math.ceil(cols / blockCols);
  let ties = 0;
  let scales = 0;
  let worst = 0;
  for (let r = 0; r < rows; r++) {
    for (let b = 0; b < nb; b++) {
      const so = own.scales[r * nb + b]!;
      const sd = device.scales[r * nb + b]!;
      if (!(Math.abs(sd - so) <= tolerance * so)) {
        report.rejected++;
        return own;
      }
      if (sd !== so) scales++;
      for (let c = b * blockCols; c < Math.min(cols, (b + 1) * blockCols); c++) {
        const i = r * cols + c;
        const cd = device.codes[i]!;
        if (cd === own.codes[i]) continue;
        const mine = encodeE4M3(Math.fround(x[i]! / sd));
        if (mine === cd) {
          ties++; // the scale's last bit moved the value across a midpoint; the scale check covers it
          continue;
        }
        const v = x[i]! / sd;
        const mid = (decodeE4M3(mine) + decodeE4M3(cd)) / 2;
        const dist = Math.abs(v - mid) / E4M3_MAX;
        if (!adjacentCodes(mine, cd) || !(dist <= tolerance)) {
          report.rejected++;
          return own;
        }
        ties++;
        worst = Math.max(worst, dist);
      }
    }
  }
  report.ties += ties;
  report.scales += scales;
  report.worstTie = Math.max(report.worstTie, worst);
  return { ...own, codes: Uint8Array.from(device.codes), scales: Float32Array.from(device.scales) };
}
