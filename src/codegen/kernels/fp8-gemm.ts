/**
 * Block-scaled FP8 GEMM, C[M,N] = A[M,K] · B[N,K]ᵀ, the DeepSeek-V3 recipe (V3TR §3.3): A holds E4M3
 * codes with one FP32 scale per 1×blockK tile (per token), B E4M3 codes with one scale per
 * blockN×blockK block. Products of two E4M3 values are exact in f32; they accumulate into a partial
 * sum that is promoted — scaled by both block scales and added to the FP32 accumulator — every
 * `promoteEvery` = N_C elements of K (128 in V3, fixing the ~14-bit accumulation of Hopper tensor
 * cores). Tiling as in matmul.ts; the codes are decoded once into workgroup memory.
 */
import { FP8_BLOCK } from '../reference/fp8.js';
import { E4M3_WGSL } from './fp8.js';
import { MATMUL_TILINGS, matmulTilingRejection, matmulWorkgroupSize } from './matmul.js';
import {
  type DeviceClass,
  type Dispatch,
  type GeneratedKernel,
  type KernelLimits,
  ceilDiv,
  header,
  isPositiveInt,
  layout,
  paramsStruct,
  require,
  storageDecl,
} from './types.js';
import { tileConstsWGSL, tileLoadWGSL } from './tile-load.js';

export interface Fp8GemmShape {
  readonly m: number;
  readonly n: number;
  readonly k: number;
  readonly blockK?: number;
  readonly blockN?: number;
  readonly promoteEvery?: number;
  readonly accumulatorBits?: number;
}

export interface Fp8GemmConfig {
  readonly kind: 'fp8-gemm';
  readonly n: number;
  readonly k: number;
  readonly blockK: number;
  readonly blockN: number;
  /** N_C: partial sums are promoted to the FP32 accumulator every this many elements of K. */
  readonly promoteEvery: number;
  /**
   * Mantissa bits the partial sum keeps (rounded toward zero after each add): 23 is plain f32; 13
   * emulates Hopper's FP8 accumulator, to show what promotion buys (ISCA §3.1).
   */
  readonly accumulatorBits: number;
  readonly tileM: number;
  readonly tileN: number;
  readonly tileK: number;
  readonly rowsPerThread: number;
  readonly colsPerThread: number;
}

export function validateFp8GemmConfig(c: Fp8GemmConfig, limits?: KernelLimits): void {
  const k = 'fp8-gemm';
  require(isPositiveInt(c.n) && isPositiveInt(c.k), k, `N and K must be positive integers (got N=${c.n}, K=${c.k})`);
  require(c.k % 4 === 0, k, `K must be a multiple of 4: four E4M3 codes pack into each u32 (got K=${c.k})`);
  require(c.blockK % c.promoteEvery === 0, k, `promoteEvery (N_C=${c.promoteEvery}) must divide the scale block blockK=${c.blockK}, or a partial sum would mix two scales`);
  require(c.promoteEvery % c.tileK === 0, k, `tileK=${c.tileK} must divide promoteEvery (N_C=${c.promoteEvery})`);
  require(c.k % c.tileK === 0, k, `tileK=${c.tileK} must divide K=${c.k}`);
  require(c.tileK % 4 === 0, k, `tileK must be a multiple of 4 (got ${c.tileK})`);
  require(Number.isInteger(c.accumulatorBits) && c.accumulatorBits >= 1 && c.accumulatorBits <= 23, k, `accumulatorBits must be an integer from 1 to 23 (got ${c.accumulatorBits})`);
  if (limits) {
    const why = matmulTilingRejection(c, limits);
    require(why === null, k, `tiling ${c.tileM}×${c.tileN}×${c.tileK} does not fit the adapter: ${why}`);
  }
}

export function chooseFp8GemmConfig(shape: Fp8GemmShape, limits: KernelLimits, device: DeviceClass = 'gpu'): Fp8GemmConfig {
  const k = 'fp8-gemm';
  const blockK = shape.blockK ?? FP8_BLOCK;
  const blockN = shape.blockN ?? FP8_BLOCK;
  const promoteEvery = shape.promoteEvery ?? blockK;
  require(isPositiveInt(shape.m) && isPositiveInt(shape.n) && isPositiveInt(shape.k), k, `M, N and K must be positive integers (got ${shape.m}×${shape.n}×${shape.k})`);
  require(shape.k % 4 === 0, k, `K must be a multiple of 4: four E4M3 codes pack into each u32 (got K=${shape.k})`);
  const fits = MATMUL_TILINGS[device].filter((t) => matmulTilingRejection(t, limits) === null);
  require(fits.length > 0, k, `no ${device} tiling fits the adapter limits`);
  let t = fits[0]!;
  while (t.tileM > t.rowsPerThread && t.tileM / 2 >= shape.m && (t.tileM / 2) % t.rowsPerThread === 0) t = { ...t, tileM: t.tileM / 2 };
  let tileK = t.tileK;
  while (tileK > 4 && (shape.k % tileK !== 0 || promoteEvery % tileK !== 0)) tileK /= 2;
  const c: Fp8GemmConfig = { kind: 'fp8-gemm', n: shape.n, k: shape.k, blockK, blockN, promoteEvery, accumulatorBits: shape.accumulatorBits ?? 23, tileM: t.tileM, tileN: t.tileN, tileK, rowsPerThread: t.rowsPerThread, colsPerThread: t.colsPerThread };
  validateFp8GemmConfig(c, limits);
  return c;
}

/**
 * Bindings: aq (u32 [M·K/4]), as (f32 [M·⌈K/blockK⌉]), bq (u32 [N·K/4]),
 * bs (f32 [⌈N/blockN⌉·⌈K/blockK⌉]), c (f32 [M·N]); params {m}.
 */
export function generateFp8GemmWGSL(c: Fp8GemmConfig, limits?: KernelLimits): GeneratedKernel {
  validateFp8GemmConfig(c, limits);
  const bindings = layout(
    'fp8-gemm',
    [
      { name: 'aq', type: 'read-only-storage', element: 'u32' },
      { name: 'ascale', type: 'read-only-storage', element: 'f32' },
      { name: 'bq', type: 'read-only-storage', element: 'u32' },
      { name: 'bscale', type: 'read-only-storage', element: 'f32' },
      { name: 'c', type: 'storage', element: 'f32' },
    ],
    ['m'],
    limits,
  );
  const [wx, wy] = matmulWorkgroupSize(c);
  const RM = c.rowsPerThread;
  const RN = c.colsPerThread;
  const wgsl = `${header('fp8-gemm', c)}${bindings
    .filter((b) => b.type !== 'uniform')
    .map(storageDecl)
    .join('\n')}
${paramsStruct(['m'], bindings.length - 1)}${E4M3_WGSL}
const N: u32 = ${c.n}u;
const K: u32 = ${c.k}u;
const K4: u32 = ${c.k / 4}u;
const KB: u32 = ${ceilDiv(c.k, c.blockK)}u;
const BLOCK_K: u32 = ${c.blockK}u;
const BLOCK_N: u32 = ${c.blockN}u;
const NC: u32 = ${c.promoteEvery}u;
${tileConstsWGSL(c, wx, wy)}var<workgroup> As: array<f32, ${c.tileK * c.tileM}>;
var<workgroup> Bs: array<f32, ${c.tileK * c.tileN}>;

@compute @workgroup_size(${wx}, ${wy}, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  let m0 = wid.y * TM;
  let n0 = wid.x * TN;
  var acc: array<f32, ${RM * RN}>;
  var part: array<f32, ${RM * RN}>;
  for (var k0 = 0u; k0 < K; k0 += TK) {
${tileLoadWGSL({ dst: 'As', rows: 'TM', load: 'e4m3Unpack(aq[(m0 + r) * K4 + k0 / 4u + kc])', guards: ['m0 + r < params.m'] })}
${tileLoadWGSL({ dst: 'Bs', rows: 'TN', load: 'e4m3Unpack(bq[(n0 + r) * K4 + k0 / 4u + kc])', guards: ['n0 + r < N'] })}
    workgroupBarrier();
    for (var kk = 0u; kk < TK; kk++) {
      var av: array<f32, ${RM}>;
      var bv: array<f32, ${RN}>;
      for (var i = 0u; i < ${RM}u; i++) { av[i] = As[kk * TM + lid.y + i * WY]; }
      for (var j = 0u; j < ${RN}u; j++) { bv[j] = Bs[kk * TN + lid.x + j * WX]; }
      for (var i = 0u; i < ${RM}u; i++) {
        for (var j = 0u; j < ${RN}u; j++) {
          // exact: a product of two E4M3 values has at most 8 significant bits
          ${c.accumulatorBits >= 23 ? `part[i * ${RN}u + j] = part[i * ${RN}u + j] + av[i] * bv[j];` : `part[i * ${RN}u + j] = bitcast<f32>(bitcast<u32>(part[i * ${RN}u + j] + av[i] * bv[j]) & ${(~((1 << (23 - c.accumulatorBits)) - 1)) >>> 0}u);`}
        }
      }
    }
    workgroupBarrier();
    let kEnd = k0 + TK;
    if (kEnd % NC == 0u || kEnd == K) {
      let kb = k0 / BLOCK_K;
      for (var i = 0u; i < ${RM}u; i++) {
        let row = min(m0 + lid.y + i * WY, params.m - 1u);
        let sa = ascale[row * KB + kb];
        for (var j = 0u; j < ${RN}u; j++) {
          let col = min(n0 + lid.x + j * WX, N - 1u);
          let s = sa * bscale[(col / BLOCK_N) * KB + kb];
          acc[i * ${RN}u + j] = acc[i * ${RN}u + j] + part[i * ${RN}u + j] * s;
          part[i * ${RN}u + j] = 0.0;
        }
      }
    }
  }
  for (var i = 0u; i < ${RM}u; i++) {
    let row = m0 + lid.y + i * WY;
    for (var j = 0u; j < ${RN}u; j++) {
      let col = n0 + lid.x + j * WX;
      if (row < params.m && col < N) { c[row * N + col] = acc[i * ${RN}u + j]; }
    }
  }
}
`;
  return { name: 'fp8-gemm', wgsl, entryPoint: 'main', bindings, workgroupSize: [wx, wy, 1], params: ['m'] };
}

export function fp8GemmDispatch(c: Fp8GemmConfig, m: number): Dispatch {
  return [ceilDiv(c.n, c.tileN), ceilDiv(m, c.tileM), 1];
}
