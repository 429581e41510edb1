/**
 * The portable WebGPU runtime of a model's forward pass: it takes a forward plan (pure data: buffers,
 * weight recipes, and the schedule of kernel dispatches as a prologue, one block per layer kind and an
 * epilogue) plus the WGSL kernels it names, makes every buffer, pipeline, Params uniform and bind group
 * ONCE, and then runs prefill and decode steps against the KV cache: a call writes the token ids and
 * the Params words, records every dispatch in one command buffer and reads the logits back.
 *
 * This file is shared by `kasc run` (src/codegen/host.ts imports it) and by every TypeScript module
 * `kasc build --emit ts` writes (src/codegen/emit-ts.ts copies its statements in with ts-morph). So it
 * must stay self-contained: no imports but its sibling runtime files (the module holds them too, so
 * the emitter drops those import lines), neither Node nor kasc, only the WebGPU global types, and
 * nothing that a browser lacks. The plan format is documented in src/codegen/INTERFACE.md ("Forward
 * plan"); src/codegen/plan.ts builds plans from the IR. FP8 weights are quantized at load by
 * runtime/fp8.ts (same rules: no imports), or taken as they are from a checkpoint that stores them
 * block-quantized already (runtime/safetensors.ts reads DeepSeek-V3's F8_E4M3 + `weight_scale_inv`).
 */
/// <reference types="@webgpu/types" />
import { type PackedFp8, quantizeFp8Weight } from './fp8.js';

/** One binding of @group(0): storage bindings first, the `Params` uniform (if any) last. */
export interface KernelBinding {
  readonly binding: number;
  readonly name: string;
  readonly type: 'read-only-storage' | 'storage' | 'uniform';
}

/** A WGSL compute kernel with one entry point `main`; its Params uniform holds one u32 per name in `params`. */
export interface KernelSource {
  readonly wgsl: string;
  readonly bindings: readonly KernelBinding[];
  readonly params: readonly string[];
}

/** ⌈(t·T + c) / div⌉, where T is the number of tokens in the call. */
export type Extent = readonly [t: number, c: number, div: number];

/**
 * Workgroup counts of a dispatch: three dimensions (a number or an Extent each), or `folded` — a 1-D
 * count folded into x and y when it exceeds maxComputeWorkgroupsPerDimension (the kernel reads
 * num_workgroups to unfold it).
 */
export type Grid = { readonly folded: Extent } | readonly [number | Extent, number | Extent, number | Extent];

/** A Params field: the tokens in this call, the position of the first, or a constant. */
export type ParamValue = 'T' | 'pos0' | number;

/**
 * What a weight buffer holds, from the weights argument by Hugging Face name (`{l}` is replaced by the
 * layer index): one tensor; the row-concatenation of tensors (gate rows then up rows); `experts`
 * experts packed one after another, each the row-concatenation of `rows` with `{e}` replaced by the
 * expert index; or the E4M3 codes / f32 scales of a block-quantized [n, k] weight (needs the
 * `quantize` option).
 */
export type WeightRecipe =
  | string
  | { readonly rows: readonly string[] }
  | { readonly experts: number; readonly rows: readonly string[] }
  | { readonly fp8: 'codes' | 'scales'; readonly of: WeightRecipe; readonly n: number; readonly k: number };

/**
 * The FP8 recipe of a plan (the precision pass's): activations scaled per 1×K tile, weights per
 * N×K block (`weightBlock` = [N, K], the same K), partial sums promoted to f32 every `promoteEvery`.
 */
export interface Fp8Scaling {
  readonly activationTile: readonly [number, number];
  readonly weightBlock: readonly [number, number];
  readonly promoteEvery: number;
}

/** A binding's buffer: a named plan buffer, or a weight. */
export type BufferRef = string | { readonly weight: WeightRecipe };

/**
 * A plan buffer of `words` 4-byte words (f32 or u32): `perPosition` multiplies by the cache capacity,
 * `perLayer` gives every layer its own (the KV cache); `rope` fills it with the cos/sin table of that
 * rotary dimension and base (words = dim per position).
 */
export interface BufferSpec {
  readonly words: number;
  readonly perPosition?: boolean;
  readonly perLayer?: boolean;
  readonly rope?: { readonly theta: number; readonly dim: number };
}

/**
 * One step of the schedule: a dispatch of `kernel`; a clear of a buffer; or a copy of T rows of
 * `words` words from the start of buffer `copy` to row pos0 of buffer `to` (a cache append). A
 * dispatch with `fp8Activation` quantizes an activation of that many columns into its `q` (codes)
 * and `scales` bindings (what readQuantizedActivations reads back).
 */
export type Step =
  | { readonly kernel: string; readonly bind: Readonly<Record<string, BufferRef>>; readonly params?: Readonly<Record<string, ParamValue>>; readonly grid: Grid; readonly fp8Activation?: number }
  | { readonly clear: string }
  | { readonly copy: string; readonly to: string; readonly words: number };

/** The forward pass as data: see src/codegen/INTERFACE.md, "Forward plan". */
export interface ForwardPlan {
  readonly vocab: number;
  /** Most tokens in one call: the kernels and scratch buffers are sized for it. */
  readonly maxTokens: number;
  /** KV-cache capacity the attention kernel was generated for. */
  readonly maxSeq: number;
  /** The buffer the token ids (u32) go into, and the one the logits [T, vocab] come from. */
  readonly ids: string;
  readonly logits: string;
  readonly buffers: Readonly<Record<string, BufferSpec>>;
  readonly prologue: readonly Step[];
  /** The steps of each kind of layer; `layers[l]` names the block layer l runs. */
  readonly blocks: Readonly<Record<string, readonly Step[]>>;
  readonly layers: readonly string[];
  readonly epilogue: readonly Step[];
  /** Present when the plan has FP8 linears: how they scale (weights are quantized at load with it). */
  readonly fp8?: Fp8Scaling;
}

/**
 * The weight tensors a model needs, by name pattern: `{l}` takes each layer of `layers` (inclusive
 * ranges), `{e}` each expert 0..experts−1.
 */
export interface TensorGroup {
  readonly name: string;
  readonly shape: readonly number[];
  readonly layers?: readonly (readonly [number, number])[];
  readonly experts?: number;
}

/**
 * A tensor: shape and row-major f32 data. A checkpoint that stores it block-quantized (DeepSeek-V3's
 * F8_E4M3 weights with `weight_scale_inv`) may add `fp8`: the E4M3 codes (one per byte, row-major),
 * the f32 scale of each block and the block's [rows, cols]; an FP8 linear with that block then uses
 * the codes as they are instead of quantizing `data` again.
 */
export interface WeightTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
  readonly fp8?: { readonly codes: Uint8Array; readonly scales: Float32Array; readonly block: readonly [number, number] };
}

/** Anything with `get(name)`, e.g. `Map<string, WeightTensor>`, keyed by Hugging Face tensor names. */
export interface WeightSource {
  get(name: string): WeightTensor | undefined;
}

export interface RuntimeOptions {
  /** KV-cache capacity in positions, at most the plan's maxSeq (the default). */
  readonly maxSeq?: number;
}

/** An activation as an FP8 linear quantized it: E4M3 codes [rows, cols] one per byte, f32 scales [rows, ⌈cols/K⌉] (1×K tiles). */
export interface QuantizedActivation {
  readonly rows: number;
  readonly cols: number;
  readonly codes: Uint8Array;
  readonly scales: Float32Array;
}

/** A model on the GPU: prefill, then decode steps, against its KV cache. */
export interface GpuModel {
  readonly maxTokens: number;
  readonly maxSeq: number;
  /** Positions held in the KV cache. */
  readonly position: number;
  /** Empties the cache and runs `tokens` at positions 0..: logits [tokens.length, vocab], row-major. */
  prefill(tokens: readonly number[]): Promise<Float32Array>;
  /** Runs one token at the next position: logits [vocab]. */
  decode(token: number): Promise<Float32Array>;
  /**
   * For debugging and tests: the whole contents of binding `binding` of every dispatch whose kernel
   * name starts with `kernelPrefix`, in schedule order (as the last call left them).
   */
  readBinding(kernelPrefix: string, binding: string): Promise<{ readonly kernel: string; readonly data: ArrayBuffer }[]>;
  /**
   * For debugging and tests: every activation the FP8 linears of the last call quantized, in call
   * order (what a CPU reference needs to follow the GPU's rounding at E4M3 ties); [] without FP8.
   */
  readQuantizedActivations(): Promise<QuantizedActivation[]>;
  /** Frees every GPU buffer; the model is unusable afterwards. */
  destroy(): void;
}

/** A model, weights or call the runtime cannot run; the message says why. */
export class ModelRunError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelRunError';
  }
}

/** Every tensor name of `groups` with its shape, patterns expanded. */
export function expandTensors(groups: readonly TensorGroup[]): Map<string, readonly number[]> {
  const out = new Map<string, readonly number[]>();
  for (const g of groups) {
    const layers: number[] = [];
    for (const [a, b] of g.layers ?? [[-1, -1]]) for (let l = a; l <= b; l++) layers.push(l);
    for (const l of layers) {
      const name = l < 0 ? g.name : g.name.split('{l}').join(String(l));
      if (g.experts === undefined) out.set(name, g.shape);
      else for (let e = 0; e < g.experts; e++) out.set(name.split('{e}').join(String(e)), g.shape);
    }
  }
  return out;
}

/** The problems of `weights` against the tensor table: missing tensors and wrong shapes (at most `limit`). */
export function checkWeightShapes(groups: readonly TensorGroup[], weights: WeightSource, limit = 10): string[] {
  const problems: string[] = [];
  for (const [name, shape] of expandTensors(groups)) {
    const t = weights.get(name);
    if (!t) problems.push(`missing tensor \`${name}\``);
    else if (t.shape.join('x') !== shape.join('x')) problems.push(`tensor \`${name}\` has shape [${t.shape.join(', ')}], the model needs [${shape.join(', ')}]`);
    else if ((t.fp8 ? t.fp8.codes.length : t.data.length) !== shape.reduce((a, b) => a * b, 1)) problems.push(`tensor \`${name}\` has ${t.data.length} values for shape [${shape.join(', ')}]`);
    if (problems.length >= limit) break;
  }
  return problems;
}

/** RoPE angles: for position p and pair i, (cos, sin) of p·θ^(−2i/dim), as f32 pairs [positions, dim/2, 2]. */
export function ropeAngles(theta: number, dim: number, positions: number): Float32Array {
  const half = dim / 2;
  const cs = new Float32Array(positions * half * 2);
  for (let p = 0; p < positions; p++) {
    for (let i = 0; i < half; i++) {
      const a = p * theta ** ((-2 * i) / dim);
      cs[(p * half + i) * 2] = Math.cos(a);
      cs[(p * half + i) * 2 + 1] = Math.sin(a);
    }
  }
  return cs;
}

function cdiv(x: number, y: number): number {
  return Math.ceil(x / y);
}

function extent(d: number | Extent, T: number): number {
  return typeof d === 'number' ? d : cdiv(d[0] * T + d[1], d[2]);
}

/** Replaces `{l}` in every name of a recipe. */
function forLayer(r: WeightRecipe, l: number): WeightRecipe {
  const s = (name: string): string => name.split('{l}').join(String(l));
  if (typeof r === 'string') return s(r);
  if ('fp8' in r) return { fp8: r.fp8, of: forLayer(r.of, l), n: r.n, k: r.k };
  if ('experts' in r) return { experts: r.experts, rows: r.rows.map(s) };
  return { rows: r.rows.map(s) };
}

/** A step bound to its GPU objects. */
type Recorded =
  | { readonly kind: 'dispatch'; readonly kernel: string; readonly pipeline: GPUComputePipeline; readonly group: GPUBindGroup; readonly uniform: GPUBuffer | null; readonly params: readonly ParamValue[]; readonly grid: Grid; readonly buffers: ReadonlyMap<string, GPUBuffer>; readonly fp8Activation: number }
  | { readonly kind: 'clear'; readonly buffer: GPUBuffer }
  | { readonly kind: 'copy'; readonly buffer: GPUBuffer; readonly to: GPUBuffer; readonly words: number };

/**
 * Makes every buffer, pipeline, uniform and bind group of `plan` on `device`, uploads the weights, and
 * returns the model. Pipelines are created synchronously inside error scopes, so a WGSL or validation
 * error becomes one thrown Error with the driver's message.
 */
export async function createRuntime(
  device: GPUDevice,
  spec: { readonly plan: ForwardPlan; readonly kernels: Readonly<Record<string, KernelSource>>; readonly tensors?: readonly TensorGroup[] },
  weights: WeightSource,
  options: RuntimeOptions = {},
): Promise<GpuModel> {
  const { plan, kernels } = spec;
  const MAXT = plan.maxTokens;
  const CAP = options.maxSeq ?? plan.maxSeq;
  if (!Number.isInteger(CAP) || CAP < 1 || CAP > plan.maxSeq) throw new ModelRunError(`maxSeq must be a whole number in 1..${plan.maxSeq} (the attention kernel's capacity), not ${CAP}`);
  if (spec.tensors) {
    const problems = checkWeightShapes(spec.tensors, weights);
    if (problems.length) throw new ModelRunError(`the weights do not fit the model: ${problems.join('; ')}`);
  }
  const owned: GPUBuffer[] = [];
  const storage = (bytes: number): GPUBuffer => {
    const b = device.createBuffer({ size: Math.max(16, cdiv(bytes, 16) * 16), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
    owned.push(b);
    return b;
  };
  const upload = (data: Float32Array | Uint32Array): GPUBuffer => {
    const b = storage(data.byteLength);
    device.queue.writeBuffer(b, 0, data.buffer as ArrayBuffer, data.byteOffset, data.byteLength);
    return b;
  };

  // Plan buffers: shared scratch, one per layer for `perLayer`.
  const shared = new Map<string, GPUBuffer>();
  const perLayer = new Map<string, GPUBuffer[]>();
  for (const [name, b] of Object.entries(plan.buffers)) {
    const words = b.words * (b.perPosition ? CAP : 1);
    if (b.perLayer) perLayer.set(name, plan.layers.map(() => storage(words * 4)));
    else if (b.rope) shared.set(name, upload(ropeAngles(b.rope.theta, b.rope.dim, CAP)));
    else shared.set(name, storage(words * 4));
  }
  const planBuffer = (name: string, layer: number): GPUBuffer => {
    const b = layer >= 0 ? (perLayer.get(name)?.[layer] ?? shared.get(name)) : shared.get(name);
    if (!b) throw new ModelRunError(`the plan names buffer \`${name}\`, which it does not declare${layer < 0 && perLayer.has(name) ? ' outside a layer' : ''}`);
    return b;
  };

  // Weights, one buffer per distinct recipe.
  const tensor = (name: string): Float32Array => {
    const t = weights.get(name);
    if (!t) throw new ModelRunError(`missing weight \`${name}\``);
    return t.data;
  };
  const concat = (names: readonly string[]): Float32Array => {
    const parts = names.map(tensor);
    const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  };
  const f32Of = (r: WeightRecipe): Float32Array => {
    if (typeof r === 'string') return tensor(r);
    if ('fp8' in r) throw new ModelRunError('internal error: an fp8 recipe has no f32 contents');
    if ('experts' in r) {
      const count = r.experts;
      const parts: Float32Array[] = [];
      for (let e = 0; e < count; e++) parts.push(concat(r.rows.map((n) => n.split('{e}').join(String(e)))));
      const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
      parts.forEach((p, e) => out.set(p, e * p.length));
      return out;
    }
    return concat(r.rows);
  };
  /**
   * W[n, k] of an FP8 linear in the plan's blocks: the checkpoint's own codes and scales when every
   * tensor of the recipe is stored block-quantized with those blocks (and a row-concatenation meets
   * at block edges), else quantized here from the f32 values.
   */
  const packedOf = (r: WeightRecipe, n: number, k: number): PackedFp8 => {
    if (!plan.fp8) throw new ModelRunError('the plan has FP8 weights but no `fp8` scaling');
    const [bn, bk] = plan.fp8.weightBlock;
    const names = typeof r === 'string' ? [r] : 'fp8' in r || 'experts' in r ? null : r.rows;
    const parts = names?.map((name) => weights.get(name)) ?? [];
    const stored = parts.length > 0 && parts.every((t, i) => t?.fp8 && t.fp8.block[0] === bn && t.fp8.block[1] === bk && t.shape.length === 2 && t.shape[1] === k && (i === parts.length - 1 || t.shape[0]! % bn === 0) && t.fp8.scales.length === cdiv(t.shape[0]!, bn) * cdiv(k, bk));
    if (!stored || parts.reduce((s, t) => s + t!.shape[0]!, 0) !== n) return quantizeFp8Weight(f32Of(r), n, k, bn, bk);
    const bytes = new Uint8Array(n * k);
    const scales = new Float32Array(cdiv(n, bn) * cdiv(k, bk));
    let row = 0;
    for (const t of parts) {
      bytes.set(t!.fp8!.codes, row * k);
      scales.set(t!.fp8!.scales, (row / bn) * cdiv(k, bk));
      row += t!.shape[0]!;
    }
    return { codes: new Uint32Array(bytes.buffer), scales };
  };
  const weightBuffers = new Map<string, GPUBuffer>();
  const quantized = new Map<string, { codes: GPUBuffer; scales: GPUBuffer }>();
  const weightBuffer = (r: WeightRecipe): GPUBuffer => {
    const key = JSON.stringify(r);
    let b = weightBuffers.get(key);
    if (b) return b;
    if (typeof r !== 'string' && 'fp8' in r) {
      const ofKey = JSON.stringify(r.of);
      let q = quantized.get(ofKey);
      if (!q) {
        const { codes, scales } = packedOf(r.of, r.n, r.k);
        q = { codes: upload(codes), scales: upload(scales) };
        quantized.set(ofKey, q);
      }
      b = r.fp8 === 'codes' ? q.codes : q.scales;
    } else {
      b = upload(f32Of(r));
    }
    weightBuffers.set(key, b);
    return b;
  };

  // Pipelines, one per kernel, made on first use.
  const pipelines = new Map<string, GPUComputePipeline>();
  const pipelineOf = async (name: string): Promise<GPUComputePipeline> => {
    let p = pipelines.get(name);
    if (p) return p;
    const k = kernels[name];
    if (!k) throw new ModelRunError(`the plan names kernel \`${name}\`, which the kernel table lacks`);
    device.pushErrorScope('internal');
    device.pushErrorScope('validation');
    const module = device.createShaderModule({ label: name, code: k.wgsl });
    p = device.createComputePipeline({ label: name, layout: 'auto', compute: { module, entryPoint: 'main' } });
    const validation = await device.popErrorScope();
    const internal = await device.popErrorScope();
    const error = validation ?? internal;
    if (error) throw new ModelRunError(`kernel \`${name}\` does not compile or make a pipeline on this adapter:\n${error.message}`);
    pipelines.set(name, p);
    return p;
  };

  // The schedule, instantiated once: prologue, each layer's block, epilogue.
  const recorded: Recorded[] = [];
  const record = async (s: Step, layer: number): Promise<void> => {
    if ('clear' in s) {
      recorded.push({ kind: 'clear', buffer: planBuffer(s.clear, layer) });
      return;
    }
    if ('copy' in s) {
      recorded.push({ kind: 'copy', buffer: planBuffer(s.copy, layer), to: planBuffer(s.to, layer), words: s.words });
      return;
    }
    const pipeline = await pipelineOf(s.kernel);
    const k = kernels[s.kernel]!;
    const uniform = k.params.length ? device.createBuffer({ size: Math.max(16, cdiv(k.params.length, 4) * 16), usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST }) : null;
    if (uniform) owned.push(uniform);
    const params = k.params.map((p) => {
      const v = s.params?.[p];
      if (v === undefined) throw new ModelRunError(`a step of kernel \`${s.kernel}\` gives no value for param \`${p}\``);
      return v;
    });
    const buffers = new Map<string, GPUBuffer>();
    const entries = k.bindings.map((b) => {
      let buffer: GPUBuffer | null | undefined;
      if (b.type === 'uniform') buffer = uniform;
      else {
        const ref = s.bind[b.name];
        if (ref === undefined) throw new ModelRunError(`a step of kernel \`${s.kernel}\` binds nothing to \`${b.name}\``);
        buffer = typeof ref === 'string' ? planBuffer(ref, layer) : weightBuffer(layer >= 0 ? forLayer(ref.weight, layer) : ref.weight);
      }
      if (!buffer) throw new ModelRunError(`internal error: kernel \`${s.kernel}\` binding \`${b.name}\` has no buffer`);
      buffers.set(b.name, buffer);
      return { binding: b.binding, resource: { buffer } };
    });
    const group = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
    recorded.push({ kind: 'dispatch', kernel: s.kernel, pipeline, group, uniform, params, grid: s.grid, buffers, fp8Activation: s.fp8Activation ?? 0 });
  };
  for (const s of plan.prologue) await record(s, -1);
  for (let l = 0; l < plan.layers.length; l++) {
    const block = plan.blocks[plan.layers[l]!];
    if (!block) throw new ModelRunError(`layer ${l} runs block \`${plan.layers[l]}\`, which the plan lacks`);
    for (const s of block) await record(s, l);
  }
  for (const s of plan.epilogue) await record(s, -1);

  const ids = planBuffer(plan.ids, -1);
  const logits = planBuffer(plan.logits, -1);
  const staging = device.createBuffer({ size: MAXT * plan.vocab * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  owned.push(staging);
  const maxDim = device.limits.maxComputeWorkgroupsPerDimension;

  let position = 0;
  let lastRows = 0;
  const forward = async (tokens: readonly number[]): Promise<Float32Array> => {
    const T = tokens.length;
    if (T === 0 || T > MAXT) throw new ModelRunError(`a forward call takes 1..${MAXT} tokens, not ${T}`);
    if (position + T > CAP) throw new ModelRunError(`${position + T} positions exceed the KV-cache capacity ${CAP}`);
    for (const t of tokens) if (!Number.isInteger(t) || t < 0 || t >= plan.vocab) throw new ModelRunError(`token ${t} is outside the vocabulary 0..${plan.vocab - 1}`);
    const pos0 = position;
    device.queue.writeBuffer(ids, 0, Uint32Array.from(tokens));
    const enc = device.createCommandEncoder();
    let pass: GPUComputePassEncoder | null = null;
    for (const s of recorded) {
      if (s.kind !== 'dispatch') {
        pass?.end();
        pass = null;
        if (s.kind === 'clear') enc.clearBuffer(s.buffer);
        else enc.copyBufferToBuffer(s.buffer, 0, s.to, pos0 * s.words * 4, T * s.words * 4);
        continue;
      }
      if (s.uniform) {
        const words = new Uint32Array(s.uniform.size / 4);
        s.params.forEach((v, i) => {
          words[i] = v === 'T' ? T : v === 'pos0' ? pos0 : v;
        });
        device.queue.writeBuffer(s.uniform, 0, words);
      }
      pass ??= enc.beginComputePass();
      pass.setPipeline(s.pipeline);
      pass.setBindGroup(0, s.group);
      const g = s.grid;
      if ('folded' in g) {
        const groups = extent(g.folded, T);
        const x = Math.min(groups, maxDim);
        pass.dispatchWorkgroups(x, cdiv(groups, x), 1);
      } else {
        pass.dispatchWorkgroups(extent(g[0], T), extent(g[1], T), extent(g[2], T));
      }
    }
    pass?.end();
    const bytes = T * plan.vocab * 4;
    enc.copyBufferToBuffer(logits, 0, staging, 0, bytes);
    device.queue.submit([enc.finish()]);
    await staging.mapAsync(GPUMapMode.READ, 0, bytes);
    const result = new Float32Array(staging.getMappedRange(0, bytes).slice(0));
    staging.unmap();
    position += T;
    lastRows = T;
    return result;
  };

  /** The whole contents of `src` (a storage buffer), read back. */
  const readBuffer = async (src: GPUBuffer): Promise<ArrayBuffer> => {
    const tmp = device.createBuffer({ size: src.size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    const enc = device.createCommandEncoder();
    enc.copyBufferToBuffer(src, 0, tmp, 0, src.size);
    device.queue.submit([enc.finish()]);
    await tmp.mapAsync(GPUMapMode.READ);
    const data = tmp.getMappedRange().slice(0);
    tmp.unmap();
    tmp.destroy();
    return data;
  };

  return {
    maxTokens: MAXT,
    maxSeq: CAP,
    get position() {
      return position;
    },
    prefill(tokens) {
      position = 0;
      return forward(tokens);
    },
    decode(token) {
      return forward([token]);
    },
    async readBinding(kernelPrefix, binding) {
      const out: { kernel: string; data: ArrayBuffer }[] = [];
      for (const s of recorded) {
        const src = s.kind === 'dispatch' && s.kernel.startsWith(kernelPrefix) ? s.buffers.get(binding) : undefined;
        if (!src || s.kind !== 'dispatch') continue;
        out.push({ kernel: s.kernel, data: await readBuffer(src) });
      }
      return out;
    },
    async readQuantizedActivations() {
      const out: QuantizedActivation[] = [];
      const tile = plan.fp8?.activationTile[1] ?? 1;
      for (const s of recorded) {
        if (s.kind !== 'dispatch' || !s.fp8Activation || lastRows === 0) continue;
        const cols = s.fp8Activation;
        const codes = await readBuffer(s.buffers.get('q')!);
        const scales = await readBuffer(s.buffers.get('scales')!);
        out.push({ rows: lastRows, cols, codes: new Uint8Array(codes, 0, lastRows * cols), scales: new Float32Array(scales, 0, lastRows * cdiv(cols, tile)) });
      }
      return out;
    },
    destroy() {
      for (const b of owned) b.destroy();
      owned.length = 0;
    },
  };
}
