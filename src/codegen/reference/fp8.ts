/**
 * FP8 E4M3 (the OCP "E4M3FN" variant DeepSeek-V3 trains with: bias 7, no infinities, one NaN
 * pattern S.1111.111, largest finite ±448, subnormals m·2⁻⁹) in TypeScript, bit-for-bit the same
 * rules as the WGSL kernels: round to nearest, ties to even; saturate to ±448; NaN stays NaN.
 *
 * Block scaling follows DeepSeek-V3 (V3TR §3.3): activations per 1×128 tile (per token, 128
 * channels), weights per 128×128 block, FP32 scales, scale = amax / 448.
 */

export const E4M3_MAX = 448;
export const E4M3_NAN = 0x7f;
/** Scale-block edge along K (and along N for weights), DeepSeek-V3's 128. */
export const FP8_BLOCK = 128;

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function f32Bits(x: number): number {
  f32[0] = x;
  return u32[0]!;
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
  u32[0] = abs;
  const m = roundHalfEven(f32[0]! * 512);
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

/** Codes of `values` packed four to a u32, little-endian within the word (value 4i in bits 0..7). */
export function packE4M3(codes: Uint8Array): Uint32Array {
  if (codes.length % 4 !== 0) throw new Error(`packE4M3: length ${codes.length} is not a multiple of 4`);
  return new Uint32Array(codes.buffer.slice(codes.byteOffset, codes.byteOffset + codes.length));
}

export function unpackE4M3(words: Uint32Array): Uint8Array {
  return new Uint8Array(words.buffer.slice(words.byteOffset, words.byteOffset + words.byteLength));
}

/** Scale of a block with absolute maximum `amax` (f32 arithmetic, as the kernel computes it). */
export function blockScale(amax: number): number {
  return amax > 0 ? Math.fround(Math.fround(amax) / E4M3_MAX) : 1;
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
