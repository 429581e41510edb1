/**
 * FP8 E4M3 block-scaled quantize / dequantize, and the WGSL E4M3 codec they and the FP8 GEMM share.
 * WGSL has no 8-bit float: four codes are packed into a u32 (value 4i+j in bits 8j..8j+7), encoded by
 * the same bit-level rules as src/codegen/reference/fp8.ts (RNE, saturation to ±448, subnormals).
 *
 * Quantize: one workgroup per (row-block, column-block); the workgroup reduces amax over its block,
 * scale = amax / 448 (1 when the block is zero), each value is stored as encode(x / scale).
 */
import { FP8_BLOCK } from '../reference/fp8.js';
import {
  type Dispatch,
  type GeneratedKernel,
  type KernelLimits,
  ceilDiv,
  floorPow2,
  header,
  isPositiveInt,
  layout,
  require,
  storageDecl,
} from './types.js';

/** WGSL functions `e4m3Encode(f32) -> u32` and `e4m3Decode(u32) -> f32` (code in the low 8 bits). */
export const E4M3_WGSL = `
fn e4m3Encode(x: f32) -> u32 {
  let bits = bitcast<u32>(x);
  let sign = (bits >> 24u) & 0x80u;
  let a = bits & 0x7fffffffu;
  if (a > 0x7f800000u) { return sign | 0x7fu; }
  if (a >= 0x3c800000u) {
    let rounded = (a + 0x7ffffu + ((a >> 20u) & 1u)) >> 20u;
    return sign | min(rounded - 960u, 0x7eu);
  }
  return sign | u32(round(bitcast<f32>(a) * 512.0));
}

fn e4m3Decode(c: u32) -> f32 {
  let e = (c >> 3u) & 0xfu;
  let m = c & 7u;
  var v: f32;
  if (e == 0u) {
    v = f32(m) * 0.001953125;
  } else if (e == 15u && m == 7u) {
    v = bitcast<f32>(0x7f800000u | (m << 20u)); // NaN (m = 7), built at run time: a NaN constant is a WGSL error
  } else {
    v = bitcast<f32>(((e + 120u) << 23u) | (m << 20u));
  }
  if ((c & 0x80u) != 0u) { v = -v; }
  return v;
}

fn e4m3Unpack(w: u32) -> vec4<f32> {
  return vec4<f32>(e4m3Decode(w & 0xffu), e4m3Decode((w >> 8u) & 0xffu), e4m3Decode((w >> 16u) & 0xffu), e4m3Decode(w >> 24u));
}
`;

export interface Fp8QuantizeShape {
  readonly rows: number;
  readonly cols: number;
  /** 1 for activation tiles (1×128), 128 for weight blocks (128×128). */
  readonly blockRows: number;
  readonly blockCols?: number;
}

export interface Fp8QuantizeConfig {
  readonly kind: 'fp8-quantize';
  readonly rows: number;
  readonly cols: number;
  readonly blockRows: number;
  readonly blockCols: number;
  readonly workgroupSize: number;
}

export function chooseFp8QuantizeConfig(shape: Fp8QuantizeShape, limits: KernelLimits): Fp8QuantizeConfig {
  const blockCols = shape.blockCols ?? FP8_BLOCK;
  const k = 'fp8-quantize';
  require(isPositiveInt(shape.rows) && isPositiveInt(shape.cols), k, `rows and cols must be positive integers (got ${shape.rows}×${shape.cols})`);
  require(shape.cols % 4 === 0, k, `cols must be a multiple of 4 so that four E4M3 codes pack into each u32 (got ${shape.cols})`);
  require(isPositiveInt(shape.blockRows) && isPositiveInt(blockCols), k, 'block sizes must be positive integers');
  require(blockCols % 4 === 0, k, `blockCols must be a multiple of 4 (got ${blockCols})`);
  const maxWg = Math.min(limits.maxComputeInvocationsPerWorkgroup, limits.maxComputeWorkgroupSizeX);
  const workgroupSize = Math.min(floorPow2(maxWg), 64);
  return { kind: 'fp8-quantize', rows: shape.rows, cols: shape.cols, blockRows: shape.blockRows, blockCols, workgroupSize };
}

/** Bindings: x (f32 [rows·cols]) → q (u32 [rows·cols/4]), scales (f32 [⌈rows/br⌉·⌈cols/bc⌉]). */
export function generateFp8QuantizeWGSL(c: Fp8QuantizeConfig, limits?: KernelLimits): GeneratedKernel {
  const bindings = layout(
    'fp8-quantize',
    [
      { name: 'x', type: 'read-only-storage', element: 'f32' },
      { name: 'q', type: 'storage', element: 'u32' },
      { name: 'scales', type: 'storage', element: 'f32' },
    ],
    [],
    limits,
  );
  const bc = ceilDiv(c.cols, c.blockCols);
  const W = c.workgroupSize;
  const wgsl = `${header('fp8-quantize', c)}${bindings.map(storageDecl).join('\n')}
${E4M3_WGSL}
const ROWS: u32 = ${c.rows}u;
const COLS: u32 = ${c.cols}u;
const BR: u32 = ${c.blockRows}u;
const BC: u32 = ${c.blockCols}u;
const NBC: u32 = ${bc}u;
const WG: u32 = ${W}u;
var<workgroup> red: array<f32, ${W}>;

@compute @workgroup_size(${W})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let bi = wid.y;
  let bj = wid.x;
  let r0 = bi * BR;
  let r1 = min(ROWS, r0 + BR);
  let c0 = bj * BC;
  let c1 = min(COLS, c0 + BC);
  let w = c1 - c0;
  let n = (r1 - r0) * w;
  var amax = 0.0;
  for (var i = lid; i < n; i += WG) {
    amax = max(amax, abs(x[(r0 + i / w) * COLS + c0 + i % w]));
  }
  red[lid] = amax;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (lid < s) { red[lid] = max(red[lid], red[lid + s]); }
    workgroupBarrier();
  }
  let m = red[0];
  var scale = 1.0;
  if (m > 0.0) { scale = m / 448.0; }
  if (lid == 0u) { scales[bi * NBC + bj] = scale; }
  let nw = n / 4u;
  for (var i = lid; i < nw; i += WG) {
    let e = i * 4u;
    let base = (r0 + e / w) * COLS + c0 + e % w;
    var word = 0u;
    for (var j = 0u; j < 4u; j++) {
      word = word | (e4m3Encode(x[base + j] / scale) << (8u * j));
    }
    q[base / 4u] = word;
  }
}
`;
  return { name: 'fp8-quantize', wgsl, entryPoint: 'main', bindings, workgroupSize: [W, 1, 1], params: [] };
}

export function fp8QuantizeDispatch(c: Fp8QuantizeConfig): Dispatch {
  return [ceilDiv(c.cols, c.blockCols), ceilDiv(c.rows, c.blockRows), 1];
}

export interface Fp8DequantizeConfig {
  readonly kind: 'fp8-dequantize';
  readonly rows: number;
  readonly cols: number;
  readonly blockRows: number;
  readonly blockCols: number;
  readonly workgroupSize: number;
}

export function chooseFp8DequantizeConfig(shape: Fp8QuantizeShape, limits: KernelLimits): Fp8DequantizeConfig {
  const q = chooseFp8QuantizeConfig(shape, limits);
  return { ...q, kind: 'fp8-dequantize' };
}

/** Bindings: q (u32), scales (f32) → x (f32 [rows·cols]). One thread per packed word. */
export function generateFp8DequantizeWGSL(c: Fp8DequantizeConfig, limits?: KernelLimits): GeneratedKernel {
  const bindings = layout(
    'fp8-dequantize',
    [
      { name: 'q', type: 'read-only-storage', element: 'u32' },
      { name: 'scales', type: 'read-only-storage', element: 'f32' },
      { name: 'x', type: 'storage', element: 'f32' },
    ],
    [],
    limits,
  );
  const W = c.workgroupSize;
  const wgsl = `${header('fp8-dequantize', c)}${bindings.map(storageDecl).join('\n')}
${E4M3_WGSL}
const COLS: u32 = ${c.cols}u;
const WORDS: u32 = ${(c.rows * c.cols) / 4}u;
const BR: u32 = ${c.blockRows}u;
const BC: u32 = ${c.blockCols}u;
const NBC: u32 = ${ceilDiv(c.cols, c.blockCols)}u;

@compute @workgroup_size(${W})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * ${W}u;
  if (i >= WORDS) { return; }
  let e = i * 4u;
  let r = e / COLS;
  let col = e % COLS;
  let v = e4m3Unpack(q[i]);
  for (var j = 0u; j < 4u; j++) {
    x[e + j] = v[j] * scales[(r / BR) * NBC + (col + j) / BC];
  }
}
`;
  return { name: 'fp8-dequantize', wgsl, entryPoint: 'main', bindings, workgroupSize: [W, 1, 1], params: [] };
}

export function fp8DequantizeDispatch(c: Fp8DequantizeConfig, limits: KernelLimits): Dispatch {
  const groups = ceilDiv((c.rows * c.cols) / 4, c.workgroupSize);
  const x = Math.min(groups, limits.maxComputeWorkgroupsPerDimension);
  return [x, ceilDiv(groups, x), 1];
}
