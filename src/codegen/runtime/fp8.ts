/**
 * Block-scaled FP8 (E4M3) weights for the portable runtime: the E4M3 codec (the OCP "E4M3FN" variant
 * DeepSeek-V3 trains with: bias 7, no infinities, NaN = S.1111.111, largest finite ±448, subnormals
 * m·2⁻⁹; round to nearest, ties to even; saturate to ±448) and the quantizer that turns a Hugging Face
 * f32 weight W[n, k] into what the FP8 GEMM kernel reads — E4M3 codes packed four to a u32 (value 4i+j
 * in bits 8j..8j+7) and one f32 scale per blockN×blockK block, scale = amax / 448 (1 for a zero block),
 * each value stored as encode(x / scale) with the division in f32 (V3TR §3.3).
 *
 * Like runtime.ts it imports nothing: the module of `kasc build --emit ts` carries these statements
 * and quantizes the weights it is given at load. kasc's CPU reference (src/codegen/reference/fp8.ts)
 * imports the codec from here, so the two cannot drift; the WGSL codec (kernels/fp8.ts) is checked
 * bit-exact against it on Dawn over all 256 codes.
 */

/** Largest finite E4M3 value. */
export const E4M3_MAX = 448;
/** The E4M3 NaN code (either sign bit). */
export const E4M3_NAN = 0x7f;

/** One shared word to read an f32's bits. */
const E4M3_WORD = new Uint32Array(1);
const E4M3_FLOAT = new Float32Array(E4M3_WORD.buffer);

/** The bits of `x` rounded to f32. */
export function f32Bits(x: number): number {
  E4M3_FLOAT[0] = x;
  return E4M3_WORD[0]!;
}

/** Round to nearest integer, ties to even (WGSL `round`), for non-negative x. */
function roundHalfEven(x: number): number {
  const r = Math.floor(x);
  const d = x - r;
  if (d > 0.5) return r + 1;
  if (d < 0.5) return r;
  return r % 2 === 0 ? r : r + 1;
}

/** Encode one value (taken as f32) to an E4M3 code (0..255). */
export function encodeE4M3(x: number): number {
  const bits = f32Bits(x);
  const sign = (bits >>> 24) & 0x80;
  const abs = bits & 0x7fffffff;
  if (abs > 0x7f800000) return sign | E4M3_NAN;
  // Normal range starts at 2^-6 (f32 bits 0x3c800000).
  if (abs >= 0x3c800000) {
    // RNE on the f32 bit pattern: drop 20 mantissa bits; a carry into the exponent is correct.
    const rounded = (abs + 0x7ffff + ((abs >>> 20) & 1)) >>> 20;
    const code = rounded - ((127 - 7) << 3);
    return sign | Math.min(code, 0x7e);
  }
  // Subnormal: value = m · 2^-9, m in 0..8 (8 is the smallest normal, code 0x08, by construction).
  E4M3_WORD[0] = abs;
  const m = roundHalfEven(E4M3_FLOAT[0]! * 512);
  return sign | m;
}

/** Decode an E4M3 code to its exact value (a number, exactly representable in f32). */
export function decodeE4M3(code: number): number {
  const s = code & 0x80 ? -1 : 1;
  const e = (code >>> 3) & 0xf;
  const m = code & 7;
  if (e === 15 && m === 7) return NaN;
  if (e === 0) return s * m * 2 ** -9;
  return s * (1 + m / 8) * 2 ** (e - 7);
}

/** Scale of a block with absolute maximum `amax` (f32 arithmetic, as the kernel computes it). */
export function blockScale(amax: number): number {
  return amax > 0 ? Math.fround(Math.fround(amax) / E4M3_MAX) : 1;
}

/** A weight as the FP8 GEMM reads it: codes [n, k] packed 4 per u32, scales [⌈n/blockN⌉, ⌈k/blockK⌉]. */
export interface PackedFp8 {
  readonly codes: Uint32Array;
  readonly scales: Float32Array;
}

/**
 * Block-quantizes a row-major f32 W[n, k] (k a multiple of 4) into E4M3 codes packed 4 per u32 and
 * one f32 scale per blockN×blockK block (a last partial block is allowed) — the same codes and scales
 * as the reference's quantizeBlocks + packE4M3, without the unpacked intermediate.
 */
export function quantizeFp8Weight(w: Float32Array, n: number, k: number, blockN: number, blockK: number): PackedFp8 {
  if (k % 4 !== 0) throw new Error(`quantizeFp8Weight: k = ${k} is not a multiple of 4 (four codes pack into a u32)`);
  if (w.length !== n * k) throw new Error(`quantizeFp8Weight: ${w.length} values for [${n}, ${k}]`);
  const bn = Math.ceil(n / blockN);
  const bk = Math.ceil(k / blockK);
  const scales = new Float32Array(bn * bk);
  const bytes = new Uint8Array(n * k);
  for (let bi = 0; bi < bn; bi++) {
    const r0 = bi * blockN;
    const r1 = Math.min(n, r0 + blockN);
    for (let bj = 0; bj < bk; bj++) {
      const c0 = bj * blockK;
      const c1 = Math.min(k, c0 + blockK);
      let amax = 0;
      for (let r = r0; r < r1; r++) for (let i = r * k + c0, end = r * k + c1; i < end; i++) amax = Math.max(amax, Math.abs(w[i]!));
      const s = blockScale(amax);
      scales[bi * bk + bj] = s;
      for (let r = r0; r < r1; r++) for (let i = r * k + c0, end = r * k + c1; i < end; i++) bytes[i] = encodeE4M3(Math.fround(w[i]! / s));
    }
  }
  return { codes: new Uint32Array(bytes.buffer), scales };
}

/** The f32 values of a block-scaled E4M3 tensor [n, k] (codes one per byte): decode(code) · scale, in f32. */
export function dequantizeFp8(codes: Uint8Array, scales: Float32Array, n: number, k: number, blockN: number, blockK: number): Float32Array {
  const bk = Math.ceil(k / blockK);
  const lut = new Float32Array(256);
  for (let c = 0; c < 256; c++) lut[c] = decodeE4M3(c);
  const out = new Float32Array(n * k);
  for (let r = 0; r < n; r++) {
    const srow = Math.floor(r / blockN) * bk;
    for (let c = 0; c < k; c++) out[r * k + c] = Math.fround(lut[codes[r * k + c]!]! * scales[srow + Math.floor(c / blockK)]!);
  }
  return out;
}
