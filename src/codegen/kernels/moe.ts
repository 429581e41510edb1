/**
 * DeepSeekMoE kernels: the DeepSeek-V3 router, the routing plan (tokens gathered per expert), the
 * grouped expert GEMMs (gate+up with a fused SwiGLU, then down) and the weighted combine. Shared
 * experts are a dense SwiGLU FFN (matmul → elementwise swiglu → matmul) and need no kernel of their own.
 *
 * Router (DeepSeek-V3 inference code, `Gate.forward`): s = sigmoid(x·Wᵀ) (or softmax); selection
 * uses s + bias; with groups, a group's score is the sum of its top-2 biased scores (the max when
 * there is no bias), only the best `groupsChosen` groups stay; top-k over the kept experts by biased
 * score; weights are the unbiased s of the chosen experts, normalized to sum 1 when `normalize`
 * (sigmoid), times `scale`. Ties go to the lower index; experts come out in selection order.
 *
 * The plan buffer (u32) is [count[E] | rows[E·maxTokens] | slot[maxTokens·topK]]: rows[e·maxTokens+i]
 * is the i-th assignment id (t·topK + k) routed to expert e, in token order; slot[t·topK+k] is the
 * row e·maxTokens+i of the expert outputs that holds assignment (t, k). No atomics: the order is fixed.
 */
import { MATMUL_TILINGS, matmulWorkgroupSize } from './matmul.js';
import type { RouterParams } from '../reference/ops.js';
import {
  type DeviceClass,
  type Dispatch,
  type GeneratedKernel,
  type KernelLimits,
  decls,
  KernelConfigError,
  ceilDiv,
  f32Literal,
  floorPow2,
  header,
  isPositiveInt,
  layout,
  require,
} from './types.js';
import { tileConstsWGSL, tileLoadWGSL } from './tile-load.js';


// ---------------------------------------------------------------- router

/** The gate's parameters (shared with the CPU reference) and whether a selection bias is added. */
export interface RouterShape extends RouterParams {
  readonly bias: boolean;
}

export interface RouterConfig extends RouterShape {
  readonly kind: 'router';
  readonly workgroupSize: number;
}

export function chooseRouterConfig(shape: RouterShape, limits: KernelLimits): RouterConfig {
  const k = 'router';
  require(isPositiveInt(shape.experts) && isPositiveInt(shape.topK), k, 'experts and topK must be positive integers');
  require(isPositiveInt(shape.groups) && shape.experts % shape.groups === 0, k, `experts (${shape.experts}) must split evenly into ${shape.groups} groups`);
  require(isPositiveInt(shape.groupsChosen) && shape.groupsChosen <= shape.groups, k, `groupsChosen (${shape.groupsChosen}) must be between 1 and groups (${shape.groups})`);
  require(shape.topK <= (shape.experts / shape.groups) * shape.groupsChosen, k, `topK (${shape.topK}) must not exceed the experts in the chosen groups (${(shape.experts / shape.groups) * shape.groupsChosen})`);
  require(shape.groups === 1 || shape.experts / shape.groups >= 2 || !shape.bias, k, 'a group score is the sum of its top-2 biased scores: groups need at least 2 experts each');
  require(shape.experts <= 1024, k, `the router keeps one token's ${shape.experts} scores in private memory: at most 1024 experts`);
  return { kind: k, ...shape, workgroupSize: Math.min(64, floorPow2(limits.maxComputeInvocationsPerWorkgroup)) };
}

/** Bindings: logits [T,E], bias [E] (only when c.bias), idx u32 [T,K], weights [T,K]; params {rows}. One thread per token. */
export function generateRouterWGSL(c: RouterConfig, limits?: KernelLimits): GeneratedKernel {
  const params = ['rows'];
  const bindings = layout(
    'router',
    [
      { name: 'logits', type: 'read-only-storage', element: 'f32' },
      ...(c.bias ? [{ name: 'bias', type: 'read-only-storage', element: 'f32' } as const] : []),
      { name: 'idx', type: 'storage', element: 'u32' },
      { name: 'weights', type: 'storage', element: 'f32' },
    ],
    params,
    limits,
  );
  const E = c.experts;
  const G = c.groups;
  const per = E / G;
  const W = c.workgroupSize;
  const scoreCode =
    c.score === 'sigmoid'
      ? `for (var e = 0u; e < E; e++) { s[e] = 1.0 / (1.0 + exp(-logits[base + e])); }`
      : `var mx = -3.402823e38;
  for (var e = 0u; e < E; e++) { mx = max(mx, logits[base + e]); }
  var tot = 0.0;
  for (var e = 0u; e < E; e++) { s[e] = exp(logits[base + e] - mx); tot += s[e]; }
  for (var e = 0u; e < E; e++) { s[e] = s[e] / tot; }`;
  const groupCode =
    G === 1
      ? ''
      : `
  var gs: array<f32, ${G}>;
  for (var g = 0u; g < G; g++) {
    var b1 = NEG;
    var b2 = NEG;
    for (var e = g * PER; e < (g + 1u) * PER; e++) {
      let v = sb[e];
      if (v > b1) { b2 = b1; b1 = v; } else if (v > b2) { b2 = v; }
    }
    gs[g] = ${c.bias ? 'b1 + b2' : 'b1'};
  }
  var keep: array<bool, ${G}>;
  for (var r = 0u; r < GC; r++) {
    var best = 0u;
    var bv = NEG;
    var found = false;
    for (var g = 0u; g < G; g++) {
      if (!keep[g] && (!found || gs[g] > bv)) { best = g; bv = gs[g]; found = true; }
    }
    keep[best] = true;
  }
  for (var e = 0u; e < E; e++) { if (!keep[e / PER]) { sb[e] = NEG; } }`;
  const wgsl = `${header('router', c)}${decls(bindings, params)}
const E: u32 = ${E}u;
const G: u32 = ${G}u;
const GC: u32 = ${c.groupsChosen}u;
const PER: u32 = ${per}u;
const TOPK: u32 = ${c.topK}u;
const NEG: f32 = -3.402823e38;

@compute @workgroup_size(${W})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let t = gid.x;
  if (t >= params.rows) { return; }
  let base = t * E;
  var s: array<f32, ${E}>;
  ${scoreCode}
  var sb: array<f32, ${E}>;
  for (var e = 0u; e < E; e++) { sb[e] = s[e]${c.bias ? ' + bias[e]' : ''}; }${groupCode}
  var taken: array<bool, ${E}>;
  var chosen: array<u32, ${c.topK}>;
  var wsum = 0.0;
  for (var r = 0u; r < TOPK; r++) {
    var best = 0u;
    var bv = NEG;
    var found = false;
    for (var e = 0u; e < E; e++) {
      if (!taken[e] && (!found || sb[e] > bv)) { best = e; bv = sb[e]; found = true; }
    }
    taken[best] = true;
    chosen[r] = best;
    wsum += s[best];
  }
  for (var r = 0u; r < TOPK; r++) {
    idx[t * TOPK + r] = chosen[r];
    weights[t * TOPK + r] = ${c.normalize ? 's[chosen[r]] / wsum' : 's[chosen[r]]'} * ${f32Literal(c.scale)};
  }
}
`;
  return { name: 'router', wgsl, entryPoint: 'main', bindings, workgroupSize: [W, 1, 1], params };
}

export function routerDispatch(c: RouterConfig, rows: number): Dispatch {
  return [ceilDiv(rows, c.workgroupSize), 1, 1];
}

// ---------------------------------------------------------------- routing plan

export interface MoePlanConfig {
  readonly kind: 'moe-plan';
  readonly experts: number;
  readonly topK: number;
  readonly maxTokens: number;
  readonly workgroupSize: number;
}

export function moePlanWords(c: Pick<MoePlanConfig, 'experts' | 'topK' | 'maxTokens'>): number {
  return c.experts + c.experts * c.maxTokens + c.maxTokens * c.topK;
}

export function chooseMoePlanConfig(shape: { experts: number; topK: number; maxTokens: number }, limits: KernelLimits): MoePlanConfig {
  require(isPositiveInt(shape.experts) && isPositiveInt(shape.topK) && isPositiveInt(shape.maxTokens), 'moe-plan', 'experts, topK and maxTokens must be positive integers');
  require(shape.topK <= shape.experts, 'moe-plan', `topK (${shape.topK}) cannot exceed experts (${shape.experts})`);
  return { kind: 'moe-plan', ...shape, workgroupSize: Math.min(64, floorPow2(limits.maxComputeInvocationsPerWorkgroup)) };
}

/** Bindings: idx u32 [T,K] → plan u32; params {rows}. One thread per expert scans the assignments in order. */
export function generateMoePlanWGSL(c: MoePlanConfig, limits?: KernelLimits): GeneratedKernel {
  const params = ['rows'];
  const bindings = layout(
    'moe-plan',
    [
      { name: 'idx', type: 'read-only-storage', element: 'u32' },
      { name: 'plan', type: 'storage', element: 'u32' },
    ],
    params,
    limits,
  );
  const W = c.workgroupSize;
  const wgsl = `${header('moe-plan', c)}${decls(bindings, params)}
const E: u32 = ${c.experts}u;
const TOPK: u32 = ${c.topK}u;
const MAXT: u32 = ${c.maxTokens}u;

@compute @workgroup_size(${W})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let e = gid.x;
  if (e >= E) { return; }
  var n = 0u;
  for (var a = 0u; a < params.rows * TOPK; a++) {
    if (idx[a] == e) {
      plan[E + e * MAXT + n] = a;
      plan[E + E * MAXT + a] = e * MAXT + n;
      n++;
    }
  }
  plan[e] = n;
}
`;
  return { name: 'moe-plan', wgsl, entryPoint: 'main', bindings, workgroupSize: [W, 1, 1], params };
}

export function moePlanDispatch(c: MoePlanConfig): Dispatch {
  return [ceilDiv(c.experts, c.workgroupSize), 1, 1];
}

// ---------------------------------------------------------------- grouped expert GEMM

export interface ExpertGemmConfig {
  readonly kind: 'expert-gemm';
  /** 'gate-up': h = silu(x_t·W_gᵀ) ⊙ (x_t·W_uᵀ) over the tokens gathered for each expert; 'down': y = h·W_dᵀ. */
  readonly mode: 'gate-up' | 'down';
  readonly experts: number;
  readonly topK: number;
  readonly maxTokens: number;
  /** Output width: the expert's intermediate size (gate-up) or the model width (down). */
  readonly n: number;
  readonly k: number;
  readonly tileM: number;
  readonly tileN: number;
  readonly tileK: number;
  readonly rowsPerThread: number;
  readonly colsPerThread: number;
}

export function expertGemmSharedBytes(c: Pick<ExpertGemmConfig, 'mode' | 'tileM' | 'tileN' | 'tileK'>): number {
  return (c.tileM + (c.mode === 'gate-up' ? 2 : 1) * c.tileN) * c.tileK * 4;
}

export function chooseExpertGemmConfig(
  shape: { mode: 'gate-up' | 'down'; experts: number; topK: number; maxTokens: number; n: number; k: number },
  limits: KernelLimits,
  device: DeviceClass = 'gpu',
): ExpertGemmConfig {
  const kn = 'expert-gemm';
  require(isPositiveInt(shape.n) && isPositiveInt(shape.k) && isPositiveInt(shape.experts) && isPositiveInt(shape.maxTokens), kn, 'sizes must be positive integers');
  require(shape.k % 4 === 0, kn, `K must be a multiple of 4 for vec4 loads along K (got K=${shape.k})`);
  require(shape.experts <= limits.maxComputeWorkgroupsPerDimension, kn, `one workgroup layer per expert: ${shape.experts} experts exceed maxComputeWorkgroupsPerDimension`);
  for (const t of MATMUL_TILINGS[device]) {
    const [x, y] = matmulWorkgroupSize(t);
    if (x * y > limits.maxComputeInvocationsPerWorkgroup || x > limits.maxComputeWorkgroupSizeX || y > limits.maxComputeWorkgroupSizeY) continue;
    let tileM = t.tileM;
    while (tileM > t.rowsPerThread && tileM / 2 >= shape.maxTokens && (tileM / 2) % t.rowsPerThread === 0) tileM /= 2;
    let tileK = t.tileK;
    while (tileK > 4 && (shape.k % tileK !== 0 || expertGemmSharedBytes({ mode: shape.mode, tileM, tileN: t.tileN, tileK }) > limits.maxComputeWorkgroupStorageSize)) tileK /= 2;
    if (shape.k % tileK !== 0 || expertGemmSharedBytes({ mode: shape.mode, tileM, tileN: t.tileN, tileK }) > limits.maxComputeWorkgroupStorageSize) continue;
    return { kind: kn, mode: shape.mode, experts: shape.experts, topK: shape.topK, maxTokens: shape.maxTokens, n: shape.n, k: shape.k, tileM, tileN: t.tileN, tileK, rowsPerThread: t.rowsPerThread, colsPerThread: t.colsPerThread };
  }
  throw new KernelConfigError(kn, `no ${device} tiling fits the adapter limits with a tileK dividing K=${shape.k}`);
}

/**
 * gate-up bindings: x (vec4 [T,K/4]), plan (u32), w (vec4 [E, 2N, K/4]: gate rows then up rows), h (f32 [E·maxT, N]).
 * down bindings: h (vec4 [E·maxT, K/4]), plan, w (vec4 [E, N, K/4]), y (f32 [E·maxT, N]). No params.
 * Workgroups: (⌈N/tileN⌉, ⌈maxT/tileM⌉, E); tiles past an expert's token count exit at once.
 */
export function generateExpertGemmWGSL(c: ExpertGemmConfig, limits?: KernelLimits): GeneratedKernel {
  const params: string[] = [];
  const gu = c.mode === 'gate-up';
  const bindings = layout(
    'expert-gemm',
    [
      { name: 'x', type: 'read-only-storage', element: 'vec4<f32>' },
      { name: 'plan', type: 'read-only-storage', element: 'u32' },
      { name: 'w', type: 'read-only-storage', element: 'vec4<f32>' },
      { name: 'y', type: 'storage', element: 'f32' },
    ],
    params,
    limits,
  );
  const [wx, wy] = matmulWorkgroupSize(c);
  const RM = c.rowsPerThread;
  const RN = c.colsPerThread;
  const xRow = gu ? `(plan[E + e * MAXT + (m0 + r)] / TOPK)` : `(e * MAXT + m0 + r)`;
  const loadB = (name: string, rowOff: string): string => tileLoadWGSL({ dst: name, rows: 'TN', load: `w[(e * WROWS + ${rowOff} + n0 + r) * K4 + k0 / 4u + kc]`, guards: ['n0 + r < N'] });
  const wgsl = `${header('expert-gemm', c)}${decls(bindings, params)}
const E: u32 = ${c.experts}u;
const TOPK: u32 = ${c.topK}u;
const MAXT: u32 = ${c.maxTokens}u;
const N: u32 = ${c.n}u;
const K: u32 = ${c.k}u;
const K4: u32 = ${c.k / 4}u;
const WROWS: u32 = ${gu ? 2 * c.n : c.n}u;
${tileConstsWGSL(c, wx, wy)}var<workgroup> As: array<f32, ${c.tileK * c.tileM}>;
var<workgroup> Bg: array<f32, ${c.tileK * c.tileN}>;
${gu ? `var<workgroup> Bu: array<f32, ${c.tileK * c.tileN}>;\n` : ''}var<workgroup> wcount: u32;

@compute @workgroup_size(${wx}, ${wy}, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  let e = wid.z;
  let m0 = wid.y * TM;
  let n0 = wid.x * TN;
  if (tid == 0u) { wcount = plan[e]; }
  let cnt = workgroupUniformLoad(&wcount);
  if (m0 >= cnt) { return; }
  var acc: array<f32, ${RM * RN}>;
${gu ? `  var accu: array<f32, ${RM * RN}>;\n` : ''}  for (var k0 = 0u; k0 < K; k0 += TK) {
${tileLoadWGSL({ dst: 'As', rows: 'TM', load: `x[${xRow} * K4 + k0 / 4u + kc]`, guards: ['m0 + r < cnt'] })}
${loadB('Bg', '0u')}${gu ? `\n${loadB('Bu', 'N')}` : ''}
    workgroupBarrier();
    for (var kk = 0u; kk < TK; kk++) {
      var av: array<f32, ${RM}>;
      for (var i = 0u; i < ${RM}u; i++) { av[i] = As[kk * TM + lid.y + i * WY]; }
      for (var j = 0u; j < ${RN}u; j++) {
        let bg = Bg[kk * TN + lid.x + j * WX];
${gu ? '        let bu = Bu[kk * TN + lid.x + j * WX];\n' : ''}        for (var i = 0u; i < ${RM}u; i++) {
          acc[i * ${RN}u + j] = fma(av[i], bg, acc[i * ${RN}u + j]);
${gu ? `          accu[i * ${RN}u + j] = fma(av[i], bu, accu[i * ${RN}u + j]);\n` : ''}        }
      }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < ${RM}u; i++) {
    let r = m0 + lid.y + i * WY;
    for (var j = 0u; j < ${RN}u; j++) {
      let col = n0 + lid.x + j * WX;
      if (r < cnt && col < N) {
${gu ? `        let g = acc[i * ${RN}u + j];\n        y[(e * MAXT + r) * N + col] = g / (1.0 + exp(-g)) * accu[i * ${RN}u + j];` : `        y[(e * MAXT + r) * N + col] = acc[i * ${RN}u + j];`}
      }
    }
  }
}
`;
  return { name: `expert-gemm-${c.mode}`, wgsl, entryPoint: 'main', bindings, workgroupSize: [wx, wy, 1], params };
}

export function expertGemmDispatch(c: ExpertGemmConfig): Dispatch {
  return [ceilDiv(c.n, c.tileN), ceilDiv(c.maxTokens, c.tileM), c.experts];
}

// ---------------------------------------------------------------- combine

export interface MoeCombineConfig {
  readonly kind: 'moe-combine';
  readonly experts: number;
  readonly topK: number;
  readonly maxTokens: number;
  readonly hidden: number;
  readonly workgroupSize: number;
}

export function chooseMoeCombineConfig(shape: { experts: number; topK: number; maxTokens: number; hidden: number }, limits: KernelLimits): MoeCombineConfig {
  require(isPositiveInt(shape.hidden), 'moe-combine', 'hidden must be a positive integer');
  return { kind: 'moe-combine', ...shape, workgroupSize: Math.min(64, floorPow2(limits.maxComputeInvocationsPerWorkgroup)) };
}

/** out[t,c] += Σ_k weights[t,k] · y[slot[t,k], c], k in order. Bindings: weights, plan, y, out; params {rows}. */
export function generateMoeCombineWGSL(c: MoeCombineConfig, limits?: KernelLimits): GeneratedKernel {
  const params = ['rows'];
  const bindings = layout(
    'moe-combine',
    [
      { name: 'weights', type: 'read-only-storage', element: 'f32' },
      { name: 'plan', type: 'read-only-storage', element: 'u32' },
      { name: 'y', type: 'read-only-storage', element: 'f32' },
      { name: 'out', type: 'storage', element: 'f32' },
    ],
    params,
    limits,
  );
  const W = c.workgroupSize;
  const wgsl = `${header('moe-combine', c)}${decls(bindings, params)}
const E: u32 = ${c.experts}u;
const TOPK: u32 = ${c.topK}u;
const MAXT: u32 = ${c.maxTokens}u;
const D: u32 = ${c.hidden}u;

@compute @workgroup_size(${W})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * ${W}u;
  if (i >= params.rows * D) { return; }
  let t = i / D;
  let col = i % D;
  var o = out[i];
  for (var k = 0u; k < TOPK; k++) {
    let a = t * TOPK + k;
    o = o + weights[a] * y[plan[E + E * MAXT + a] * D + col];
  }
  out[i] = o;
}
`;
  return { name: 'moe-combine', wgsl, entryPoint: 'main', bindings, workgroupSize: [W, 1, 1], params };
}

export function moeCombineDispatch(c: MoeCombineConfig, rows: number, limits: KernelLimits): Dispatch {
  const groups = ceilDiv(rows * c.hidden, c.workgroupSize);
  const x = Math.min(groups, limits.maxComputeWorkgroupsPerDimension);
  return [x, ceilDiv(groups, x), 1];
}
