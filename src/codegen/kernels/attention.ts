/**
 * Attention kernels: RoPE (out of place, so MLA's decoupled rope key can be written straight into the
 * latent cache), a per-head projection (MLA's absorbed W_UK and W_UV), and causal attention over a KV
 * cache for GQA and for MLA in its absorbed form.
 *
 * MLA absorbed (DeepSeek-V2 §2.1.2, the "absorb" path of DeepSeek-V3's inference code): the cache
 * row of a token is [c_kv (kv_lora_rank, normed) | k_rope (qk_rope_dim, roped)]; a query row per head
 * is [q_nope·W_UK (kv_lora_rank) | q_rope (qk_rope_dim, roped)]; score = q·cache_row · scale with
 * scale = 1/sqrt(qk_nope_dim + qk_rope_dim); the output is Σ p·c_kv (kv_lora_rank), later multiplied
 * by W_UV per head. The same kernel serves prefill (many query rows) and decode (one).
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


// ---------------------------------------------------------------- RoPE

export interface RopeConfig {
  readonly kind: 'rope';
  readonly heads: number;
  readonly ropeDim: number;
  /** Row layout of the source: each of `heads` segments is srcStride wide; rope part at srcOffset. */
  readonly srcStride: number;
  readonly srcOffset: number;
  readonly dstStride: number;
  readonly dstOffset: number;
  /** Pairs (2i, 2i+1) as in DeepSeek's inference code, or (i, i+d/2) ("rotate half", Llama/Qwen). */
  readonly interleaved: boolean;
  readonly workgroupSize: number;
}

export function chooseRopeConfig(
  shape: { heads: number; ropeDim: number; srcStride: number; srcOffset: number; dstStride: number; dstOffset: number; interleaved: boolean },
  limits: KernelLimits,
): RopeConfig {
  const k = 'rope';
  require(isPositiveInt(shape.heads) && isPositiveInt(shape.ropeDim), k, 'heads and ropeDim must be positive integers');
  require(shape.ropeDim % 2 === 0, k, `ropeDim must be even: rotation acts on pairs (got ${shape.ropeDim})`);
  require(shape.srcOffset + shape.ropeDim <= shape.srcStride && shape.dstOffset + shape.ropeDim <= shape.dstStride, k, 'the rope segment must lie inside each head row (offset + ropeDim ≤ stride)');
  return { kind: 'rope', ...shape, workgroupSize: Math.min(64, floorPow2(limits.maxComputeInvocationsPerWorkgroup)) };
}

/**
 * dst[dstRow0 + t, h, dstOffset + ·] = rotate(src[t, h, srcOffset + ·], position pos0 + t), with the
 * angle table cs[pos, i] = (cos, sin) of pos·θ^(−2i/d) computed on the host (reference/rope.ts).
 * Bindings: src, cs, dst; params {rows, pos0, dstRow0}.
 */
export function generateRopeWGSL(c: RopeConfig, limits?: KernelLimits): GeneratedKernel {
  const params = ['rows', 'pos0', 'dstRow0'];
  const bindings = layout(
    'rope',
    [
      { name: 'src', type: 'read-only-storage', element: 'f32' },
      { name: 'cs', type: 'read-only-storage', element: 'f32' },
      { name: 'dst', type: 'storage', element: 'f32' },
    ],
    params,
    limits,
  );
  const half = c.ropeDim / 2;
  const [i0, i1] = c.interleaved ? ['2u * i', '2u * i + 1u'] : ['i', `i + ${half}u`];
  const W = c.workgroupSize;
  const wgsl = `${header('rope', c)}${decls(bindings, params)}
const H: u32 = ${c.heads}u;
const HALF: u32 = ${half}u;

@compute @workgroup_size(${W})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let idx = gid.x + gid.y * nwg.x * ${W}u;
  if (idx >= params.rows * H * HALF) { return; }
  let i = idx % HALF;
  let h = (idx / HALF) % H;
  let t = idx / (HALF * H);
  let pos = params.pos0 + t;
  let c = cs[(pos * HALF + i) * 2u];
  let s = cs[(pos * HALF + i) * 2u + 1u];
  let sb = (t * H + h) * ${c.srcStride}u + ${c.srcOffset}u;
  let db = ((params.dstRow0 + t) * H + h) * ${c.dstStride}u + ${c.dstOffset}u;
  let x0 = src[sb + ${i0}];
  let x1 = src[sb + ${i1}];
  dst[db + ${i0}] = x0 * c - x1 * s;
  dst[db + ${i1}] = x1 * c + x0 * s;
}
`;
  return { name: 'rope', wgsl, entryPoint: 'main', bindings, workgroupSize: [W, 1, 1], params };
}

export function ropeDispatch(c: RopeConfig, rows: number, limits: KernelLimits): Dispatch {
  const groups = ceilDiv(rows * c.heads * (c.ropeDim / 2), c.workgroupSize);
  const x = Math.min(groups, limits.maxComputeWorkgroupsPerDimension);
  return [x, ceilDiv(groups, x), 1];
}

// ---------------------------------------------------------------- per-head projection

export interface HeadProjectionConfig {
  readonly kind: 'head-projection';
  readonly heads: number;
  readonly inDim: number;
  readonly outDim: number;
  readonly xStride: number;
  readonly xOffset: number;
  readonly yStride: number;
  readonly yOffset: number;
  /** 'in-out': W[h] rows are inputs (W_UK in kv_b_proj); 'out-in': rows are outputs (W_UV). */
  readonly weightLayout: 'in-out' | 'out-in';
  /** Elements from one head's block of W to the next, and the first element of head 0's block. */
  readonly wHeadStride: number;
  readonly wOffset: number;
  readonly workgroupSize: number;
}

export function chooseHeadProjectionConfig(shape: Omit<HeadProjectionConfig, 'kind' | 'workgroupSize'>, limits: KernelLimits): HeadProjectionConfig {
  const k = 'head-projection';
  require(isPositiveInt(shape.heads) && isPositiveInt(shape.inDim) && isPositiveInt(shape.outDim), k, 'heads, inDim and outDim must be positive integers');
  require(shape.xOffset + shape.inDim <= shape.xStride && shape.yOffset + shape.outDim <= shape.yStride, k, 'the input and output segments must lie inside their head rows (offset + dim ≤ stride)');
  return { kind: k, ...shape, workgroupSize: Math.min(64, floorPow2(limits.maxComputeInvocationsPerWorkgroup)) };
}

/** y[t,h,yOffset+j] = Σ_i x[t,h,xOffset+i] · W_h[i,j]. One thread per output. Bindings: x, w, y; params {rows}. */
export function generateHeadProjectionWGSL(c: HeadProjectionConfig, limits?: KernelLimits): GeneratedKernel {
  const params = ['rows'];
  const bindings = layout(
    'head-projection',
    [
      { name: 'x', type: 'read-only-storage', element: 'f32' },
      { name: 'w', type: 'read-only-storage', element: 'f32' },
      { name: 'y', type: 'storage', element: 'f32' },
    ],
    params,
    limits,
  );
  const widx = c.weightLayout === 'in-out' ? `wb + i * ${c.outDim}u + j` : `wb + j * ${c.inDim}u + i`;
  const W = c.workgroupSize;
  const wgsl = `${header('head-projection', c)}${decls(bindings, params)}
const H: u32 = ${c.heads}u;
const IN: u32 = ${c.inDim}u;
const OUT: u32 = ${c.outDim}u;

@compute @workgroup_size(${W})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let idx = gid.x + gid.y * nwg.x * ${W}u;
  if (idx >= params.rows * H * OUT) { return; }
  let j = idx % OUT;
  let h = (idx / OUT) % H;
  let t = idx / (OUT * H);
  let xb = (t * H + h) * ${c.xStride}u + ${c.xOffset}u;
  let wb = h * ${c.wHeadStride}u + ${c.wOffset}u;
  var acc = 0.0;
  for (var i = 0u; i < IN; i++) { acc = acc + x[xb + i] * w[${widx}]; }
  y[(t * H + h) * ${c.yStride}u + ${c.yOffset}u + j] = acc;
}
`;
  return { name: 'head-projection', wgsl, entryPoint: 'main', bindings, workgroupSize: [W, 1, 1], params };
}

export function headProjectionDispatch(c: HeadProjectionConfig, rows: number, limits: KernelLimits): Dispatch {
  const groups = ceilDiv(rows * c.heads * c.outDim, c.workgroupSize);
  const x = Math.min(groups, limits.maxComputeWorkgroupsPerDimension);
  return [x, ceilDiv(groups, x), 1];
}

// ---------------------------------------------------------------- attention

export interface AttentionShapeGqa {
  readonly kind: 'gqa';
  readonly heads: number;
  readonly kvHeads: number;
  readonly headDim: number;
  readonly maxSeq: number;
}

export interface AttentionShapeMla {
  readonly kind: 'mla';
  readonly heads: number;
  readonly kvLoraRank: number;
  readonly qkNopeDim: number;
  readonly qkRopeDim: number;
  readonly maxSeq: number;
}

export interface AttentionConfig {
  readonly kind: 'attention';
  readonly variant: 'gqa' | 'mla';
  readonly heads: number;
  /** 1 for MLA: every head reads the one shared latent row. */
  readonly kvHeads: number;
  /** Width of a query row and of a key row (MLA: kv_lora_rank + qk_rope_dim). */
  readonly qkDim: number;
  /** Width of a value/output row (MLA: kv_lora_rank, the first columns of the cache row). */
  readonly vDim: number;
  readonly maxSeq: number;
  readonly scale: number;
  readonly workgroupSize: number;
}

export function attentionSharedBytes(c: Pick<AttentionConfig, 'maxSeq' | 'workgroupSize'>): number {
  return (c.maxSeq + c.workgroupSize) * 4;
}

export function chooseAttentionConfig(shape: AttentionShapeGqa | AttentionShapeMla, limits: KernelLimits): AttentionConfig {
  const k = 'attention';
  require(isPositiveInt(shape.heads) && isPositiveInt(shape.maxSeq), k, 'heads and maxSeq must be positive integers');
  const workgroupSize = Math.min(64, floorPow2(Math.min(limits.maxComputeInvocationsPerWorkgroup, limits.maxComputeWorkgroupSizeX)));
  let c: AttentionConfig;
  if (shape.kind === 'gqa') {
    require(isPositiveInt(shape.kvHeads) && shape.heads % shape.kvHeads === 0, k, `heads (${shape.heads}) must be a multiple of kvHeads (${shape.kvHeads})`);
    c = { kind: k, variant: 'gqa', heads: shape.heads, kvHeads: shape.kvHeads, qkDim: shape.headDim, vDim: shape.headDim, maxSeq: shape.maxSeq, scale: 1 / Math.sqrt(shape.headDim), workgroupSize };
  } else {
    c = {
      kind: k,
      variant: 'mla',
      heads: shape.heads,
      kvHeads: 1,
      qkDim: shape.kvLoraRank + shape.qkRopeDim,
      vDim: shape.kvLoraRank,
      maxSeq: shape.maxSeq,
      scale: 1 / Math.sqrt(shape.qkNopeDim + shape.qkRopeDim),
      workgroupSize,
    };
  }
  const bytes = attentionSharedBytes(c);
  require(
    bytes <= limits.maxComputeWorkgroupStorageSize,
    k,
    `the scores of maxSeq=${shape.maxSeq} keys (${bytes} bytes with the reduction buffer) must fit maxComputeWorkgroupStorageSize ${limits.maxComputeWorkgroupStorageSize}; lower the context or tile the keys`,
  );
  return c;
}

/**
 * One workgroup per (head, query row). Query row t sits at position pos0 + t and attends cache rows
 * 0..pos0+t (causal). GQA bindings: q [T,H,D], k [S,KVH,D], v [S,KVH,D], out [T,H,D];
 * MLA bindings: q [T,H,R+P], kv [S,R+P], out [T,H,R]. Params {rows, pos0}.
 */
export function generateAttentionWGSL(c: AttentionConfig, limits?: KernelLimits): GeneratedKernel {
  const params = ['rows', 'pos0'];
  const storage =
    c.variant === 'gqa'
      ? ([
          { name: 'q', type: 'read-only-storage', element: 'f32' },
          { name: 'k', type: 'read-only-storage', element: 'f32' },
          { name: 'v', type: 'read-only-storage', element: 'f32' },
          { name: 'out', type: 'storage', element: 'f32' },
        ] as const)
      : ([
          { name: 'q', type: 'read-only-storage', element: 'f32' },
          { name: 'kv', type: 'read-only-storage', element: 'f32' },
          { name: 'out', type: 'storage', element: 'f32' },
        ] as const);
  const bindings = layout('attention', storage, params, limits);
  const W = c.workgroupSize;
  const group = c.heads / c.kvHeads;
  const keyRow = c.variant === 'gqa' ? `(j * KVH + kvh) * QK` : `j * QK`;
  const valRow = c.variant === 'gqa' ? `(j * KVH + kvh) * VD` : `j * QK`;
  const kname = c.variant === 'gqa' ? 'k' : 'kv';
  const vname = c.variant === 'gqa' ? 'v' : 'kv';
  const wgsl = `${header('attention', c)}${decls(bindings, params)}
const H: u32 = ${c.heads}u;
const KVH: u32 = ${c.kvHeads}u;
const QK: u32 = ${c.qkDim}u;
const VD: u32 = ${c.vDim}u;
const WG: u32 = ${W}u;
const SCALE: f32 = ${f32Literal(c.scale)};
var<workgroup> p: array<f32, ${c.maxSeq}>;
var<workgroup> red: array<f32, ${W}>;

@compute @workgroup_size(${W})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let h = wid.x;
  let t = wid.y;
  let kvh = h / ${group}u;
  let n = params.pos0 + t + 1u;
  let qb = (t * H + h) * QK;
  var m = -3.402823e38;
  for (var j = lid; j < n; j += WG) {
    let kb = ${keyRow};
    var s = 0.0;
    for (var d = 0u; d < QK; d++) { s = s + q[qb + d] * ${kname}[kb + d]; }
    s = s * SCALE;
    p[j] = s;
    m = max(m, s);
  }
  red[lid] = m;
  workgroupBarrier();
  for (var k = WG / 2u; k > 0u; k = k / 2u) {
    if (lid < k) { red[lid] = max(red[lid], red[lid + k]); }
    workgroupBarrier();
  }
  let mx = red[0];
  workgroupBarrier();
  var sum = 0.0;
  for (var j = lid; j < n; j += WG) { let e = exp(p[j] - mx); p[j] = e; sum += e; }
  red[lid] = sum;
  workgroupBarrier();
  for (var k = WG / 2u; k > 0u; k = k / 2u) {
    if (lid < k) { red[lid] += red[lid + k]; }
    workgroupBarrier();
  }
  let inv = 1.0 / red[0];
  for (var d = lid; d < VD; d += WG) {
    var o = 0.0;
    for (var j = 0u; j < n; j++) { o = o + p[j] * ${vname}[${valRow} + d]; }
    out[(t * H + h) * VD + d] = o * inv;
  }
}
`;
  return { name: `attention-${c.variant}`, wgsl, entryPoint: 'main', bindings, workgroupSize: [W, 1, 1], params };
}

export function attentionDispatch(c: AttentionConfig, rows: number): Dispatch {
  return [c.heads, rows, 1];
}
