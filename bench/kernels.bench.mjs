/**
 * Kernel throughput on WebGPU (npm `webgpu`, Dawn): f32 GEMM C[M,N] = A[M,K]·B[N,K]ᵀ at 256³, 512³,
 * 1024³ and the block-scaled FP8 GEMM (1×128 activation tiles, 128×128 weight blocks, promotion every
 * 128), each as the generated kernel (the adapter's device class and, for comparison, the other class's
 * tiling) vs a naive WGSL kernel (one invocation per output, no workgroup memory) vs a plain TypeScript
 * loop — all measured in one run on one device. Every GPU result is checked against the TS loop before
 * its time counts. GFLOP/s = 2·M·N·K / seconds.
 *
 * Usage: node bench/kernels.bench.mjs [--sizes 256,512,1024] [--fp8 512] [--md OUT] [--append bench/RESULTS.md]
 * (imports dist/: `npm run bench:kernels` builds first). KASC_WEBGPU_BACKEND=vulkan|opengles pins a backend.
 */
import * as fs from 'node:fs';
import { machine, mdTable, table } from './common.mjs';
import { acquireGpu, describeGpu } from '../dist/gpu/device.js';
import { bindGroup, createKernelPipeline, paramsBuffer, readBuffer, storageBuffer } from '../dist/gpu/kernel-runner.js';
import { chooseMatmulConfig, generateMatmulWGSL, matmulDispatch } from '../dist/codegen/kernels/matmul.js';
import { chooseFp8GemmConfig, generateFp8GemmWGSL, fp8GemmDispatch } from '../dist/codegen/kernels/fp8-gemm.js';
import { E4M3_WGSL } from '../dist/codegen/kernels/fp8.js';
import { fp8BlockGemm, packE4M3, quantizeBlocks } from '../dist/codegen/reference/fp8.js';
import { mulberry32 } from '../dist/util/rng.js';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const sizes = arg('--sizes', '256,512,1024').split(',').map(Number);
const fp8Size = Number(arg('--fp8', '512'));
const mdOut = arg('--md', undefined);
const appendTo = arg('--append', undefined);
/** Seconds of measured GPU work per case (after one warm-up): enough to average out a noisy shared machine. */
const TARGET_S = Number(arg('--target-s', '0.5'));

const g = await acquireGpu();
const { device } = g;
const limits = device.limits;
const deviceClass = g.cpuDriver ? 'cpu' : 'gpu';

function random(n, seed) {
  const r = mulberry32(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = r() * 2 - 1;
  return a;
}

function tsGemm(a, b, M, N, K) {
  const c = new Float32Array(M * N);
  for (let i = 0; i < M; i++) {
    const ai = i * K;
    for (let j = 0; j < N; j++) {
      const bj = j * K;
      let s = 0;
      for (let k = 0; k < K; k++) s += a[ai + k] * b[bj + k];
      c[i * N + j] = s;
    }
  }
  return c;
}

function naiveGemmKernel(N, K) {
  const wgsl = `// naive f32 GEMM: one invocation per output, no workgroup memory
@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> c: array<f32>;
struct Params { m: u32 }
@group(0) @binding(3) var<uniform> params: Params;
@compute @workgroup_size(8, 8, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let col = gid.x; let row = gid.y;
  if (row >= params.m || col >= ${N}u) { return; }
  var s = 0.0;
  for (var k = 0u; k < ${K}u; k++) { s = fma(a[row * ${K}u + k], b[col * ${K}u + k], s); }
  c[row * ${N}u + col] = s;
}`;
  const bindings = [
    { binding: 0, name: 'a', type: 'read-only-storage', element: 'f32' },
    { binding: 1, name: 'b', type: 'read-only-storage', element: 'f32' },
    { binding: 2, name: 'c', type: 'storage', element: 'f32' },
    { binding: 3, name: 'params', type: 'uniform', element: 'params' },
  ];
  return { kernel: { name: 'naive-gemm', wgsl, entryPoint: 'main', bindings, workgroupSize: [8, 8, 1], params: ['m'] }, dispatch: (m) => [Math.ceil(N / 8), Math.ceil(m / 8), 1] };
}

function naiveFp8Kernel(N, K, block) {
  const KB = Math.ceil(K / block);
  const wgsl = `// naive block-scaled FP8 GEMM: one invocation per output, promotion every ${block}
@group(0) @binding(0) var<storage, read> aq: array<u32>;
@group(0) @binding(1) var<storage, read> ascale: array<f32>;
@group(0) @binding(2) var<storage, read> bq: array<u32>;
@group(0) @binding(3) var<storage, read> bscale: array<f32>;
@group(0) @binding(4) var<storage, read_write> c: array<f32>;
struct Params { m: u32 }
@group(0) @binding(5) var<uniform> params: Params;
${E4M3_WGSL}
fn code(words: u32, i: u32) -> u32 { return (words >> (8u * (i & 3u))) & 0xffu; }
@compute @workgroup_size(8, 8, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let col = gid.x; let row = gid.y;
  if (row >= params.m || col >= ${N}u) { return; }
  var acc = 0.0;
  for (var kb = 0u; kb < ${KB}u; kb++) {
    var part = 0.0;
    for (var k = kb * ${block}u; k < min((kb + 1u) * ${block}u, ${K}u); k++) {
      let ia = row * ${K}u + k; let ib = col * ${K}u + k;
      part += e4m3Decode(code(aq[ia / 4u], ia)) * e4m3Decode(code(bq[ib / 4u], ib));
    }
    acc += part * ascale[row * ${KB}u + kb] * bscale[(col / ${block}u) * ${KB}u + kb];
  }
  c[row * ${N}u + col] = acc;
}`;
  const bindings = ['aq', 'ascale', 'bq', 'bscale'].map((name, binding) => ({ binding, name, type: 'read-only-storage', element: 'f32' }));
  bindings.push({ binding: 4, name: 'c', type: 'storage', element: 'f32' }, { binding: 5, name: 'params', type: 'uniform', element: 'params' });
  return { kernel: { name: 'naive-fp8-gemm', wgsl, entryPoint: 'main', bindings, workgroupSize: [8, 8, 1], params: ['m'] }, dispatch: (m) => [Math.ceil(N / 8), Math.ceil(m / 8), 1] };
}

/** Times `kernel` on `inputs`: one checked warm-up, then enough dispatches in one submit to fill TARGET_S. */
async function timeKernel(kernel, workgroups, inputs, M, N, expect, tol) {
  const pipeline = await createKernelPipeline(device, kernel);
  const buffers = Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, storageBuffer(device, v)]));
  buffers.c = storageBuffer(device, M * N * 4);
  const ubo = paramsBuffer(device, kernel, { m: M });
  const group = bindGroup(device, pipeline, kernel, buffers, ubo);
  const run = async (n) => {
    const t0 = performance.now();
    const enc = device.createCommandEncoder();
    for (let i = 0; i < n; i++) {
      // One pass per dispatch: passes are ordered, so the repeats do not overlap.
      const pass = enc.beginComputePass();
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, group);
      pass.dispatchWorkgroups(...workgroups);
      pass.end();
    }
    device.queue.submit([enc.finish()]);
    await device.queue.onSubmittedWorkDone();
    return (performance.now() - t0) / 1000;
  };
  const first = await run(1);
  const got = new Float32Array(await readBuffer(device, buffers.c, M * N * 4));
  let maxErr = 0;
  let scale = 0;
  for (let i = 0; i < got.length; i++) {
    maxErr = Math.max(maxErr, Math.abs(got[i] - expect[i]));
    scale = Math.max(scale, Math.abs(expect[i]));
  }
  const rel = maxErr / Math.max(scale, 1e-30);
  if (!(rel <= tol)) throw new Error(`${kernel.name}: result differs from the TypeScript loop (max error ${maxErr.toExponential(2)}, ${rel.toExponential(2)} of max |C|)`);
  const reps = Math.max(1, Math.min(200, Math.round(TARGET_S / Math.max(first, 1e-4))));
  const secs = (await run(reps)) / reps;
  for (const b of Object.values(buffers)) b.destroy();
  ubo.destroy();
  return { secs, rel };
}

function timeTs(fn) {
  const t0 = performance.now();
  const out = fn();
  let secs = (performance.now() - t0) / 1000;
  if (secs < TARGET_S / 4) {
    const reps = Math.max(1, Math.round(TARGET_S / 2 / Math.max(secs, 1e-4)));
    const t1 = performance.now();
    for (let i = 0; i < reps; i++) fn();
    secs = (performance.now() - t1) / 1000 / reps;
  }
  return { out, secs };
}

const rows = [];
const gflops = (M, N, K, s) => (2 * M * N * K) / s / 1e9;
const other = deviceClass === 'gpu' ? 'cpu' : 'gpu';

for (const S of sizes) {
  const [M, N, K] = [S, S, S];
  const a = random(M * K, 1);
  const b = random(N * K, 2);
  const ts = S <= 1024 ? timeTs(() => tsGemm(a, b, M, N, K)) : null;
  const expect = ts ? ts.out : null;
  const results = [];
  for (const cls of [deviceClass, other]) {
    const cfg = chooseMatmulConfig({ m: M, n: N, k: K, mExact: true }, limits, cls);
    const kernel = generateMatmulWGSL(cfg, limits);
    const r = await timeKernel(kernel, matmulDispatch(cfg, M), { a, b }, M, N, expect ?? (await reference(a, b, M, N, K)), 1e-4);
    results.push([`generated (${cls} tiling ${cfg.tileM}×${cfg.tileN}×${cfg.tileK}, ${cfg.rowsPerThread}×${cfg.colsPerThread}/thread)${cls === deviceClass ? ' [default here]' : ''}`, r]);
  }
  const naive = naiveGemmKernel(N, K);
  results.push(['naive WGSL', await timeKernel(naive.kernel, naive.dispatch(M), { a, b }, M, N, expect ?? (await reference(a, b, M, N, K)), 1e-4)]);
  for (const [what, r] of results) rows.push([`f32 GEMM ${S}³`, what, (r.secs * 1e3).toFixed(2), gflops(M, N, K, r.secs).toFixed(2), r.rel.toExponential(1)]);
  if (ts) rows.push([`f32 GEMM ${S}³`, 'TypeScript loop', (ts.secs * 1e3).toFixed(2), gflops(M, N, K, ts.secs).toFixed(2), '(reference)']);
}

/** For sizes too large for the TS loop, the naive WGSL kernel's result is the reference. */
async function reference(a, b, M, N, K) {
  const naive = naiveGemmKernel(N, K);
  const pipeline = await createKernelPipeline(device, naive.kernel);
  const bufs = { a: storageBuffer(device, a), b: storageBuffer(device, b), c: storageBuffer(device, M * N * 4) };
  const ubo = paramsBuffer(device, naive.kernel, { m: M });
  const enc = device.createCommandEncoder();
  const pass = enc.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindGroup(device, pipeline, naive.kernel, bufs, ubo));
  pass.dispatchWorkgroups(...naive.dispatch(M));
  pass.end();
  device.queue.submit([enc.finish()]);
  return new Float32Array(await readBuffer(device, bufs.c, M * N * 4));
}

if (fp8Size > 0) {
  const S = fp8Size;
  const [M, N, K] = [S, S, S];
  const qa = quantizeBlocks(random(M * K, 3), M, K, 1, 128);
  const qb = quantizeBlocks(random(N * K, 4), N, K, 128, 128);
  const ts = timeTs(() => fp8BlockGemm(qa, qb, 128));
  const inputs = { aq: packE4M3(qa.codes), ascale: qa.scales, bq: packE4M3(qb.codes), bscale: qb.scales };
  const cfg = chooseFp8GemmConfig({ m: M, n: N, k: K }, limits, deviceClass);
  const what = `generated (${deviceClass} tiling ${cfg.tileM}×${cfg.tileN}×${cfg.tileK}, promote every ${cfg.promoteEvery})`;
  try {
    const gen = await timeKernel(generateFp8GemmWGSL(cfg, limits), fp8GemmDispatch(cfg, M), inputs, M, N, ts.out, 1e-5);
    rows.push([`FP8 block GEMM ${S}³`, what, (gen.secs * 1e3).toFixed(2), gflops(M, N, K, gen.secs).toFixed(2), gen.rel.toExponential(1)]);
  } catch (e) {
    // Reported, not hidden: the row says the generated kernel failed and why; the exit code says so too.
    process.exitCode = 1;
    rows.push([`FP8 block GEMM ${S}³`, what, 'FAILED', '-', String(e.message).split('\n').slice(-1)[0]]);
  }
  const naive = naiveFp8Kernel(N, K, 128);
  const nv = await timeKernel(naive.kernel, naive.dispatch(M), inputs, M, N, ts.out, 1e-5);
  rows.push([`FP8 block GEMM ${S}³`, 'naive WGSL', (nv.secs * 1e3).toFixed(2), gflops(M, N, K, nv.secs).toFixed(2), nv.rel.toExponential(1)]);
  rows.push([`FP8 block GEMM ${S}³`, 'TypeScript loop (reference/fp8.ts)', (ts.secs * 1e3).toFixed(2), gflops(M, N, K, ts.secs).toFixed(2), '(reference)']);
}

const head = ['case', 'implementation', 'ms', 'GFLOP/s', 'max err / max |C|'];
console.log(table(head, rows));
const m = machine();
const md = [
  `### Kernel throughput on ${describeGpu(g)}`,
  '',
  `Command: \`npm run bench:kernels\` (\`node bench/kernels.bench.mjs --sizes ${sizes.join(',')} --fp8 ${fp8Size}\`). Adapter: ${describeGpu(g)}; default tiling class here: \`${deviceClass}\`.`,
  `Machine: ${m.nproc} × ${m.cpu}, ${m.memory}, ${m.os}, node ${m.node}, load ${m.load}, ${new Date().toISOString()}.`,
  '',
  mdTable(head, rows),
  '',
].join('\n');
if (mdOut) fs.writeFileSync(mdOut, md);
if (appendTo) fs.appendFileSync(appendTo, '\n' + md);
device.destroy();
process.exit(process.exitCode ?? 0);
