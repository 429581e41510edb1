/**
 * Tiled f32 matrix multiply, C[M,N] = A[M,K] · B[N,K]ᵀ (+ optional bias[N]), B in the [out, in]
 * layout of a linear layer's weight. Each workgroup computes a tileM×tileN block of C; each thread
 * rowsPerThread×colsPerThread outputs spread across the tile (row = ty + i·wgY, col = tx + j·wgX so
 * neighbouring threads touch neighbouring addresses); K advances tileK at a time through workgroup
 * memory filled with vec4 loads along K. When N and K divide the tile and M is known to divide it,
 * the generated code carries no bounds checks on that axis.
 *
 * M is a runtime parameter (a prefill of any length and a decode step share one pipeline); N and K
 * are compile-time constants of the layer.
 */
import {
  type BindingSpec,
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

export interface MatmulShape {
  /** Rows of A and C; the largest M the pipeline will run with when `mExact` is false. */
  readonly m: number;
  readonly n: number;
  readonly k: number;
  /** True when every run uses exactly `m` rows (lets the M bounds check go when the tile divides it). */
  readonly mExact?: boolean;
  readonly bias?: boolean;
}

export interface MatmulConfig {
  readonly kind: 'matmul';
  readonly n: number;
  readonly k: number;
  readonly tileM: number;
  readonly tileN: number;
  readonly tileK: number;
  readonly rowsPerThread: number;
  readonly colsPerThread: number;
  /** Loads of A and B along K are vec4<f32>: K must be a multiple of 4. */
  readonly vectorWidth: 4;
  readonly checkM: boolean;
  readonly checkN: boolean;
  readonly checkK: boolean;
  readonly bias: boolean;
}

export interface Tiling {
  readonly tileM: number;
  readonly tileN: number;
  readonly tileK: number;
  readonly rowsPerThread: number;
  readonly colsPerThread: number;
}

/**
 * GPU-shaped default: 64×64 tiles, K step 32, 4×4 outputs per thread (256 threads), or 8×4 (128
 * threads) where the adapter allows fewer invocations. CPU drivers (llvmpipe runs a workgroup's
 * invocations as SIMD lanes of one thread) reward more work per invocation: 64×64 tiles with 8×8 per
 * thread (64 invocations), K step 16, measured at ~4.9 GFLOP/s against ~2.4 for the GPU default and
 * for 32×32/4×4 at 512³–1024³ f32 on Dawn GL ES / llvmpipe with 2 cores.
 */
export const MATMUL_TILINGS: Record<DeviceClass, readonly Tiling[]> = {
  gpu: [
    { tileM: 64, tileN: 64, tileK: 32, rowsPerThread: 4, colsPerThread: 4 },
    { tileM: 64, tileN: 64, tileK: 32, rowsPerThread: 8, colsPerThread: 4 },
    { tileM: 32, tileN: 32, tileK: 16, rowsPerThread: 4, colsPerThread: 4 },
  ],
  cpu: [
    { tileM: 64, tileN: 64, tileK: 16, rowsPerThread: 8, colsPerThread: 8 },
    { tileM: 32, tileN: 32, tileK: 16, rowsPerThread: 4, colsPerThread: 4 },
    { tileM: 16, tileN: 16, tileK: 16, rowsPerThread: 2, colsPerThread: 2 },
  ],
};

/**
 * A larger tile for big GEMMs on hardware GPUs (128×128, 8×8 outputs per thread, K step 16: 16 KiB of
 * workgroup memory, 64 accumulators per thread). Not the default: pass it as `tiling` to try it.
 */
export const MATMUL_TILING_LARGE: Tiling = { tileM: 128, tileN: 128, tileK: 16, rowsPerThread: 8, colsPerThread: 8 };

export function matmulWorkgroupSize(t: Tiling): [number, number, number] {
  return [t.tileN / t.colsPerThread, t.tileM / t.rowsPerThread, 1];
}

export function matmulSharedBytes(t: Tiling): number {
  return (t.tileM + t.tileN) * t.tileK * 4;
}

/** Why a tiling does not fit the limits, or null when it fits. */
export function matmulTilingRejection(t: Tiling, limits: KernelLimits): string | null {
  const [x, y] = matmulWorkgroupSize(t);
  if (x * y > limits.maxComputeInvocationsPerWorkgroup) return `${x * y} invocations exceed maxComputeInvocationsPerWorkgroup ${limits.maxComputeInvocationsPerWorkgroup}`;
  if (x > limits.maxComputeWorkgroupSizeX || y > limits.maxComputeWorkgroupSizeY) return `workgroup ${x}×${y} exceeds the per-dimension limits`;
  if (matmulSharedBytes(t) > limits.maxComputeWorkgroupStorageSize) return `${matmulSharedBytes(t)} bytes of workgroup memory exceed ${limits.maxComputeWorkgroupStorageSize}`;
  return null;
}

export function validateMatmulConfig(c: MatmulConfig, limits?: KernelLimits): void {
  const k = 'matmul';
  require(isPositiveInt(c.n) && isPositiveInt(c.k), k, `N and K must be positive integers (got N=${c.n}, K=${c.k})`);
  require(c.k % 4 === 0, k, `K must be a multiple of 4 for vec4 loads along K (got K=${c.k})`);
  require(c.tileM % c.rowsPerThread === 0 && c.tileN % c.colsPerThread === 0, k, `tileM must be a multiple of rowsPerThread and tileN of colsPerThread (got ${c.tileM}/${c.rowsPerThread}, ${c.tileN}/${c.colsPerThread})`);
  require(c.tileK % 4 === 0, k, `tileK must be a multiple of 4 (got ${c.tileK})`);
  require(c.checkN || c.n % c.tileN === 0, k, `the bounds-check-free N path needs tileN to divide N (N=${c.n}, tileN=${c.tileN})`);
  require(c.checkK || c.k % c.tileK === 0, k, `the bounds-check-free K path needs tileK to divide K (K=${c.k}, tileK=${c.tileK})`);
  if (limits) {
    const why = matmulTilingRejection(c, limits);
    require(why === null, k, `tiling ${c.tileM}×${c.tileN}×${c.tileK} does not fit the adapter: ${why}`);
  }
}

/**
 * Pick the first tiling of the device class that fits the limits (or the given `tiling`, which must
 * fit), shrunk for small M.
 */
export function chooseMatmulConfig(shape: MatmulShape, limits: KernelLimits, device: DeviceClass = 'gpu', tiling?: Tiling): MatmulConfig {
  const k = 'matmul';
  require(isPositiveInt(shape.m) && isPositiveInt(shape.n) && isPositiveInt(shape.k), k, `M, N and K must be positive integers (got ${shape.m}×${shape.n}×${shape.k})`);
  require(shape.k % 4 === 0, k, `K must be a multiple of 4 for vec4 loads along K (got K=${shape.k})`);
  if (tiling) {
    const why = matmulTilingRejection(tiling, limits);
    require(why === null, k, `tiling ${tiling.tileM}×${tiling.tileN}×${tiling.tileK} does not fit the adapter: ${why}`);
  }
  const fits = tiling ? [tiling] : MATMUL_TILINGS[device].filter((t) => matmulTilingRejection(t, limits) === null);
  require(fits.length > 0, k, `no ${device} tiling fits the adapter limits (${MATMUL_TILINGS[device].map((t) => matmulTilingRejection(t, limits)).join('; ')})`);
  let t = fits[0]!;
  // A decode step (M = 1..few) would waste most of a 64-row tile: shrink the tile's M side.
  while (t.tileM > t.rowsPerThread && t.tileM / 2 >= shape.m && (t.tileM / 2) % t.rowsPerThread === 0) {
    t = { ...t, tileM: t.tileM / 2 };
  }
  let tileK = t.tileK;
  while (shape.k % tileK !== 0 && tileK > 4 && shape.k < tileK) tileK /= 2;
  const c: MatmulConfig = {
    kind: 'matmul',
    n: shape.n,
    k: shape.k,
    tileM: t.tileM,
    tileN: t.tileN,
    tileK,
    rowsPerThread: t.rowsPerThread,
    colsPerThread: t.colsPerThread,
    vectorWidth: 4,
    checkM: !(shape.mExact === true && shape.m % t.tileM === 0),
    checkN: shape.n % t.tileN !== 0,
    checkK: shape.k % tileK !== 0,
    bias: shape.bias === true,
  };
  validateMatmulConfig(c, limits);
  return c;
}

/** Bindings: a (vec4<f32> [M·K/4]), b (vec4<f32> [N·K/4]), [bias (f32 [N])], c (f32 [M·N]); params {m} (none when M is exact and divides the tile). */
export function generateMatmulWGSL(c: MatmulConfig, limits?: KernelLimits): GeneratedKernel {
  validateMatmulConfig(c, limits);
  const storage: Omit<BindingSpec, 'binding'>[] = [
    { name: 'a', type: 'read-only-storage', element: 'vec4<f32>' },
    { name: 'b', type: 'read-only-storage', element: 'vec4<f32>' },
    ...(c.bias ? [{ name: 'bias', type: 'read-only-storage', element: 'f32' } as const] : []),
    { name: 'c', type: 'storage', element: 'f32' },
  ];
  // The uniform only exists when the kernel reads it: a 'auto' pipeline layout drops unused bindings.
  const params = c.checkM ? ['m'] : [];
  const bindings = layout('matmul', storage, params, limits);
  const [wx, wy] = matmulWorkgroupSize(c);
  const RM = c.rowsPerThread;
  const RN = c.colsPerThread;
  const guardsA = [...(c.checkM ? ['m0 + r < params.m'] : []), ...(c.checkK ? ['k0 + kc * 4u < K'] : [])];
  const guardsB = [...(c.checkN ? ['n0 + r < N'] : []), ...(c.checkK ? ['k0 + kc * 4u < K'] : [])];
  const storeConds = [...(c.checkM ? ['row < params.m'] : []), ...(c.checkN ? ['col < N'] : [])];
  const storeGuard = storeConds.length === 0 ? '' : `if (${storeConds.join(' && ')}) `;
  const wgsl = `${header('matmul', c)}${bindings
    .filter((b) => b.type !== 'uniform')
    .map(storageDecl)
    .join('\n')}
${paramsStruct(params, bindings.length - 1)}
const N: u32 = ${c.n}u;
const K: u32 = ${c.k}u;
const K4: u32 = ${c.k / 4}u;
${tileConstsWGSL(c, wx, wy)}// As[k][m] and Bs[k][n]: the inner loop reads rows of both.
var<workgroup> As: array<f32, ${c.tileK * c.tileM}>;
var<workgroup> Bs: array<f32, ${c.tileK * c.tileN}>;

@compute @workgroup_size(${wx}, ${wy}, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  let m0 = wid.y * TM;
  let n0 = wid.x * TN;
  var acc: array<f32, ${RM * RN}>;
  for (var k0 = 0u; k0 < K; k0 += TK) {
${tileLoadWGSL({ dst: 'As', rows: 'TM', load: 'a[(m0 + r) * K4 + k0 / 4u + kc]', guards: guardsA })}
${tileLoadWGSL({ dst: 'Bs', rows: 'TN', load: 'b[(n0 + r) * K4 + k0 / 4u + kc]', guards: guardsB })}
    workgroupBarrier();
    for (var kk = 0u; kk < TK; kk++) {
      var av: array<f32, ${RM}>;
      var bv: array<f32, ${RN}>;
      for (var i = 0u; i < ${RM}u; i++) { av[i] = As[kk * TM + lid.y + i * WY]; }
      for (var j = 0u; j < ${RN}u; j++) { bv[j] = Bs[kk * TN + lid.x + j * WX]; }
      for (var i = 0u; i < ${RM}u; i++) {
        for (var j = 0u; j < ${RN}u; j++) {
          acc[i * ${RN}u + j] = fma(av[i], bv[j], acc[i * ${RN}u + j]);
        }
      }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < ${RM}u; i++) {
    let row = m0 + lid.y + i * WY;
    for (var j = 0u; j < ${RN}u; j++) {
      let col = n0 + lid.x + j * WX;
      ${storeGuard}{ c[row * N + col] = acc[i * ${RN}u + j]${c.bias ? ' + bias[col]' : ''}; }
    }
  }
}
`;
  return { name: 'matmul', wgsl, entryPoint: 'main', bindings, workgroupSize: [wx, wy, 1], params };
}

export function matmulDispatch(c: MatmulConfig, m: number): Dispatch {
  return [ceilDiv(c.n, c.tileN), ceilDiv(m, c.tileM), 1];
}
