/**
 * Row-wise kernels: RMSNorm, softmax, and the elementwise helpers of a forward step (residual add,
 * SwiGLU, embedding gather). One workgroup per row; reductions go through workgroup memory in a
 * fixed tree order.
 */
import {
  type Dispatch,
  type GeneratedKernel,
  type KernelLimits,
  decls,
  ceilDiv,
  f32Literal,
  floorPow2,
  header,
  isPositiveInt,
  layout,
  require,
} from './types.js';

function rowWorkgroup(cols: number, limits: KernelLimits, cap: number): number {
  const max = floorPow2(Math.min(limits.maxComputeInvocationsPerWorkgroup, limits.maxComputeWorkgroupSizeX, cap));
  let w = 1;
  while (w < cols && w < max) w *= 2;
  return w;
}


// ---------------------------------------------------------------- RMSNorm

export interface RmsNormConfig {
  readonly kind: 'rmsnorm';
  readonly dim: number;
  readonly eps: number;
  /** Elements from one input row to the next (≥ dim; MLA normalizes the latent part of a wider row). */
  readonly xStride: number;
  readonly yStride: number;
  readonly workgroupSize: number;
}

export function chooseRmsNormConfig(shape: { dim: number; eps: number; xStride?: number; yStride?: number }, limits: KernelLimits): RmsNormConfig {
  const xStride = shape.xStride ?? shape.dim;
  const yStride = shape.yStride ?? shape.dim;
  require(xStride >= shape.dim && yStride >= shape.dim, 'rmsnorm', `row strides must be at least dim (got ${xStride}, ${yStride} for dim ${shape.dim})`);
  require(isPositiveInt(shape.dim), 'rmsnorm', `dim must be a positive integer (got ${shape.dim})`);
  require(shape.eps > 0 && Number.isFinite(shape.eps), 'rmsnorm', `eps must be positive and finite (got ${shape.eps})`);
  return { kind: 'rmsnorm', dim: shape.dim, eps: shape.eps, xStride, yStride, workgroupSize: rowWorkgroup(shape.dim, limits, 64) };
}

/**
 * y[yRow0 + r, 0..dim) = x[r, 0..dim) / sqrt(mean(x²) + eps) · w. Bindings: x, w → y; params {rows, yRow0}
 * (yRow0 lets MLA write the normalized latent straight into its cache row).
 */
export function generateRmsNormWGSL(c: RmsNormConfig, limits?: KernelLimits): GeneratedKernel {
  const params = ['rows', 'yRow0'];
  const bindings = layout(
    'rmsnorm',
    [
      { name: 'x', type: 'read-only-storage', element: 'f32' },
      { name: 'w', type: 'read-only-storage', element: 'f32' },
      { name: 'y', type: 'storage', element: 'f32' },
    ],
    params,
    limits,
  );
  const W = c.workgroupSize;
  const wgsl = `${header('rmsnorm', c)}${decls(bindings, params)}
const D: u32 = ${c.dim}u;
const WG: u32 = ${W}u;
var<workgroup> red: array<f32, ${W}>;

@compute @workgroup_size(${W})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = wid.x;
  if (row >= params.rows) { return; }
  let base = row * ${c.xStride}u;
  let ybase = (params.yRow0 + row) * ${c.yStride}u;
  var s = 0.0;
  for (var i = lid; i < D; i += WG) { let v = x[base + i]; s += v * v; }
  red[lid] = s;
  workgroupBarrier();
  for (var k = WG / 2u; k > 0u; k = k / 2u) {
    if (lid < k) { red[lid] += red[lid + k]; }
    workgroupBarrier();
  }
  let inv = 1.0 / sqrt(red[0] / f32(D) + ${f32Literal(c.eps)});
  for (var i = lid; i < D; i += WG) { y[ybase + i] = x[base + i] * inv * w[i]; }
}
`;
  return { name: 'rmsnorm', wgsl, entryPoint: 'main', bindings, workgroupSize: [W, 1, 1], params };
}

export function rmsNormDispatch(_c: RmsNormConfig, rows: number): Dispatch {
  return [rows, 1, 1];
}

// ---------------------------------------------------------------- softmax

export interface SoftmaxConfig {
  readonly kind: 'softmax';
  readonly cols: number;
  readonly workgroupSize: number;
}

export function chooseSoftmaxConfig(shape: { cols: number }, limits: KernelLimits): SoftmaxConfig {
  require(isPositiveInt(shape.cols), 'softmax', `cols must be a positive integer (got ${shape.cols})`);
  return { kind: 'softmax', cols: shape.cols, workgroupSize: rowWorkgroup(shape.cols, limits, 64) };
}

/** In place, row-wise, max-subtracted softmax of x [rows, cols]; params {rows}. */
export function generateSoftmaxWGSL(c: SoftmaxConfig, limits?: KernelLimits): GeneratedKernel {
  const params = ['rows'];
  const bindings = layout('softmax', [{ name: 'x', type: 'storage', element: 'f32' }], params, limits);
  const W = c.workgroupSize;
  const wgsl = `${header('softmax', c)}${decls(bindings, params)}
const C: u32 = ${c.cols}u;
const WG: u32 = ${W}u;
var<workgroup> red: array<f32, ${W}>;

@compute @workgroup_size(${W})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  if (wid.x >= params.rows) { return; }
  let base = wid.x * C;
  var m = -3.402823e38;
  for (var i = lid; i < C; i += WG) { m = max(m, x[base + i]); }
  red[lid] = m;
  workgroupBarrier();
  for (var k = WG / 2u; k > 0u; k = k / 2u) {
    if (lid < k) { red[lid] = max(red[lid], red[lid + k]); }
    workgroupBarrier();
  }
  let mx = red[0];
  workgroupBarrier();
  var s = 0.0;
  for (var i = lid; i < C; i += WG) { let e = exp(x[base + i] - mx); x[base + i] = e; s += e; }
  red[lid] = s;
  workgroupBarrier();
  for (var k = WG / 2u; k > 0u; k = k / 2u) {
    if (lid < k) { red[lid] += red[lid + k]; }
    workgroupBarrier();
  }
  let inv = 1.0 / red[0];
  for (var i = lid; i < C; i += WG) { x[base + i] = x[base + i] * inv; }
}
`;
  return { name: 'softmax', wgsl, entryPoint: 'main', bindings, workgroupSize: [W, 1, 1], params };
}

export function softmaxDispatch(_c: SoftmaxConfig, rows: number): Dispatch {
  return [rows, 1, 1];
}

// ---------------------------------------------------------------- elementwise

export type ElementwiseOp = 'add' | 'swiglu' | 'embedding';

export interface ElementwiseConfig {
  readonly kind: 'elementwise';
  readonly op: ElementwiseOp;
  /** Width of a row: for swiglu the output width I (the input row holds gate then up, 2I); for embedding the hidden size. */
  readonly cols: number;
  readonly workgroupSize: number;
}

export function chooseElementwiseConfig(shape: { op: ElementwiseOp; cols: number }, limits: KernelLimits): ElementwiseConfig {
  require(isPositiveInt(shape.cols), 'elementwise', `cols must be a positive integer (got ${shape.cols})`);
  return { kind: 'elementwise', op: shape.op, cols: shape.cols, workgroupSize: Math.min(64, floorPow2(limits.maxComputeInvocationsPerWorkgroup)) };
}

/**
 * add: y[i] += x[i] (bindings x, y). swiglu: y[r,j] = silu(g[r,j]) · g[r,I+j] (bindings g, y).
 * embedding: y[r,:] = table[ids[r],:] (bindings ids u32, table, y). Params {rows}.
 */
export function generateElementwiseWGSL(c: ElementwiseConfig, limits?: KernelLimits): GeneratedKernel {
  const params = ['rows'];
  const storage =
    c.op === 'add'
      ? ([{ name: 'x', type: 'read-only-storage', element: 'f32' }, { name: 'y', type: 'storage', element: 'f32' }] as const)
      : c.op === 'swiglu'
        ? ([{ name: 'g', type: 'read-only-storage', element: 'f32' }, { name: 'y', type: 'storage', element: 'f32' }] as const)
        : ([{ name: 'ids', type: 'read-only-storage', element: 'u32' }, { name: 'table', type: 'read-only-storage', element: 'f32' }, { name: 'y', type: 'storage', element: 'f32' }] as const);
  const bindings = layout('elementwise', storage, params, limits);
  const W = c.workgroupSize;
  const body =
    c.op === 'add'
      ? 'y[i] = y[i] + x[i];'
      : c.op === 'swiglu'
        ? 'let r = i / C; let j = i % C; let a = g[r * 2u * C + j]; y[i] = a / (1.0 + exp(-a)) * g[r * 2u * C + C + j];'
        : 'let r = i / C; let j = i % C; y[i] = table[ids[r] * C + j];';
  const wgsl = `${header('elementwise', c)}${decls(bindings, params)}
const C: u32 = ${c.cols}u;

@compute @workgroup_size(${W})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * ${W}u;
  if (i >= params.rows * C) { return; }
  ${body}
}
`;
  return { name: `elementwise-${c.op}`, wgsl, entryPoint: 'main', bindings, workgroupSize: [W, 1, 1], params };
}

export function elementwiseDispatch(c: ElementwiseConfig, rows: number, limits: KernelLimits): Dispatch {
  const groups = ceilDiv(rows * c.cols, c.workgroupSize);
  const x = Math.min(groups, limits.maxComputeWorkgroupsPerDimension);
  return [x, ceilDiv(groups, x), 1];
}
