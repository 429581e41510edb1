/**
 * The WebGPU host of a model's forward pass: it takes the kernels of `kernelsForModel` (the binding
 * layouts of src/codegen/INTERFACE.md, "Kernels side"), makes every buffer, pipeline, Params uniform
 * and bind group ONCE, and then runs prefill and decode steps with the latent KV cache by writing the
 * token ids and the Params words, recording every dispatch in one command buffer, and reading the
 * logits back. `kasc run` and the TinyMoE forward test use it.
 *
 * Supported: MLA attention (with or without q_lora_rank), dense SwiGLU FFN layers, DeepSeekMoE layers
 * (router, routed experts, shared experts), f32 or FP8 linears (the split of kernelsForModel). GQA
 * models are refused with a message (their kernels exist; the host path does not yet).
 */
/// <reference types="@webgpu/types" />
import type { ModelIR } from '../ir/model.js';
import { type DeviceClass, type Dispatch, type GeneratedKernel, type KernelLimits, kernelsForModel, maxAttentionSeq, moePlanWords } from './kernels/index.js';
import { packE4M3, quantizeBlocks } from './reference/fp8.js';
import { concatRows, ropeTheta } from './reference/forward.js';
import { ropeTable } from './reference/ops.js';
import type { Weights } from './weights.js';
import { createKernelPipeline, storageBuffer } from '../gpu/kernel-runner.js';

export interface ModelRunOptions {
  /** Most tokens one call may carry (the longest prefill); default 8. */
  readonly maxTokens?: number;
  /** KV-cache capacity in positions; default min(context, 64, what the attention kernel fits). */
  readonly maxSeq?: number;
  readonly precision?: 'fp32' | 'fp8';
  /** Which tiling the kernels get; default 'gpu'. Pass 'cpu' on a software driver (llvmpipe). */
  readonly deviceClass?: DeviceClass;
}

export interface GpuModel {
  readonly maxTokens: number;
  readonly maxSeq: number;
  /** Positions held in the KV cache. */
  readonly position: number;
  /** Empties the cache and runs `tokens` at positions 0..: logits [tokens.length, vocab]. */
  prefill(tokens: readonly number[]): Promise<Float32Array>;
  /** Runs one token at the next position: logits [vocab]. */
  decode(token: number): Promise<Float32Array>;
  /** Frees every GPU buffer; the model is unusable afterwards. */
  destroy(): void;
}

/** Raised for a model or call the host cannot run; the message says why. */
export class HostError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HostError';
  }
}

/** The subset of a device's limits the kernel generators read. */
export function kernelLimits(device: GPUDevice): KernelLimits {
  const l = device.limits;
  return {
    maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
    maxComputeWorkgroupSizeY: l.maxComputeWorkgroupSizeY,
    maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
    maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
    maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
    maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
  };
}

/** One recorded dispatch (or buffer clear), with how its Params and workgroup counts follow (rows, pos0). */
type Step =
  | { readonly kind: 'dispatch'; readonly pipeline: GPUComputePipeline; readonly group: GPUBindGroup; readonly uniform: GPUBuffer | null; readonly kernel: GeneratedKernel; readonly params: (T: number, pos0: number) => Record<string, number>; readonly workgroups: (T: number) => Dispatch }
  | { readonly kind: 'clear'; readonly buffer: GPUBuffer };

function cdiv(x: number, y: number): number {
  return Math.ceil(x / y);
}

/** A tile size baked into a matmul-like kernel's WGSL as `const NAME: u32 = …u`. */
function tileConst(k: GeneratedKernel, name: 'TM' | 'TN'): number {
  const m = new RegExp(`const ${name}: u32 = (\\d+)u`).exec(k.wgsl);
  if (!m) throw new Error(`internal error: kernel \`${k.name}\` declares no ${name}`);
  return Number(m[1]);
}

export async function createModel(device: GPUDevice, model: ModelIR, weights: Weights, options: ModelRunOptions = {}): Promise<GpuModel> {
  const a = model.attention;
  if (a.kind !== 'mla') throw new HostError(`the WebGPU host runs MLA models only for now; \`${model.name}\` uses ${a.kind} attention`);
  if (model.norm.kind !== 'rmsnorm') throw new HostError(`the WebGPU host runs rmsnorm models only; \`${model.name}\` uses ${model.norm.kind}`);
  const limits = kernelLimits(device);
  const precision = options.precision ?? 'fp32';
  const MAXT = options.maxTokens ?? 8;
  const CAP = options.maxSeq ?? Math.min(model.context ?? 64, 64, maxAttentionSeq(limits));
  const kernels = new Map(kernelsForModel(model, limits, options.deviceClass ?? 'gpu', { maxTokens: MAXT, maxSeq: CAP, precision }).map((k) => [k.name, k]));
  const pipelines = new Map<string, GPUComputePipeline>();
  const owned: GPUBuffer[] = [];
  const steps: Step[] = [];

  const buf = (floats: number): GPUBuffer => {
    const b = storageBuffer(device, floats * 4);
    owned.push(b);
    return b;
  };
  const upload = (data: Float32Array | Uint32Array): GPUBuffer => {
    const b = storageBuffer(device, data);
    owned.push(b);
    return b;
  };
  const kernel = (name: string): GeneratedKernel => {
    const k = kernels.get(name);
    if (!k) throw new Error(`internal error: kernelsForModel gave no kernel \`${name}\``);
    return k;
  };
  /** Records one dispatch of kernel `name` over `buffers`; its Params come from (T, pos0) at run time. */
  const step = async (name: string, buffers: Record<string, GPUBuffer>, params: (T: number, pos0: number) => Record<string, number>, workgroups: (T: number) => Dispatch): Promise<void> => {
    const k = kernel(name);
    let pipeline = pipelines.get(name);
    if (!pipeline) {
      pipeline = await createKernelPipeline(device, k);
      pipelines.set(name, pipeline);
    }
    const uniform = k.params.length ? device.createBuffer({ size: Math.max(16, Math.ceil(k.params.length / 4) * 16), usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST }) : null;
    if (uniform) owned.push(uniform);
    const entries = k.bindings.map((b) => {
      const buffer = b.type === 'uniform' ? uniform : buffers[b.name];
      if (!buffer) throw new Error(`internal error: kernel \`${k.name}\` binding \`${b.name}\` has no buffer`);
      return { binding: b.binding, resource: { buffer } };
    });
    const group = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
    steps.push({ kind: 'dispatch', pipeline, group, uniform, kernel: k, params, workgroups });
  };
  const rowsP = (T: number) => ({ rows: T, m: T });
  const flat = (name: string, perRow: number) => (T: number): Dispatch => [cdiv(T * perRow, kernel(name).workgroupSize[0]), 1, 1];
  const mm = (name: string, n: number) => (T: number): Dispatch => [cdiv(n, tileConst(kernel(name), 'TN')), cdiv(T, tileConst(kernel(name), 'TM')), 1];

  const tensor = (name: string): Float32Array => {
    const t = weights.get(name);
    if (!t) throw new HostError(`missing weight \`${name}\``);
    return t.data;
  };
  const f32Buffers = new Map<Float32Array, GPUBuffer>();
  const weightBuffer = (data: Float32Array): GPUBuffer => {
    let b = f32Buffers.get(data);
    if (!b) {
      b = upload(data);
      f32Buffers.set(data, b);
    }
    return b;
  };
  const w = (name: string): GPUBuffer => weightBuffer(tensor(name));
  const fp8Buffers = new Map<Float32Array, { bq: GPUBuffer; bscale: GPUBuffer }>();
  /** A linear layer y[T,n] = x[T,k]·Wᵀ: a matmul, or (fp8) quantize_act_k then the block-scaled FP8 GEMM. */
  const linear = async (role: string, x: GPUBuffer, wData: Float32Array, n: number, k: number, y: GPUBuffer): Promise<void> => {
    if (precision === 'fp32') {
      await step(role, { a: x, b: weightBuffer(wData), c: y }, rowsP, mm(role, n));
      return;
    }
    let q8 = fp8Buffers.get(wData);
    if (!q8) {
      const q = quantizeBlocks(wData, n, k, 128);
      q8 = { bq: upload(packE4M3(q.codes)), bscale: upload(q.scales) };
      fp8Buffers.set(wData, q8);
    }
    const aq = buf((MAXT * k) / 4);
    const ascale = buf(MAXT * cdiv(k, 128));
    await step(`quantize_act_${k}`, { x, q: aq, scales: ascale }, () => ({}), (T) => [cdiv(k, 128), T, 1]);
    await step(`${role}_fp8`, { aq, ascale, ...q8, c: y }, rowsP, mm(`${role}_fp8`, n));
  };

  const H = model.hidden;
  const R = a.kvLoraRank;
  const P = a.qkRopeDim;
  const qk = a.qkNopeDim + P;
  const moe = model.moe;
  const moeLayers = new Set(moe?.layers ?? []);
  const ids = upload(new Uint32Array(MAXT));
  const cs = upload(ropeTable(ropeTheta(model), P, CAP));
  const x = buf(MAXT * H);
  const hn = buf(MAXT * H);
  const qa = a.qLoraRank !== null ? buf(MAXT * a.qLoraRank) : null;
  const qn = a.qLoraRank !== null ? buf(MAXT * a.qLoraRank) : null;
  const q = buf(MAXT * a.heads * qk);
  const kva = buf(MAXT * (R + P));
  const qcat = buf(MAXT * a.heads * (R + P));
  const olat = buf(MAXT * a.heads * R);
  const o = buf(MAXT * a.heads * a.vDim);
  const attn = buf(MAXT * H);
  const fn = buf(MAXT * H);
  const out = buf(MAXT * H);

  await step('embedding', { ids, table: w('model.embed_tokens.weight'), y: x }, rowsP, flat('embedding', H));
  for (let l = 0; l < model.layers; l++) {
    const p = `model.layers.${l}`;
    const cache = buf(CAP * (R + P));
    await step('rmsnorm_hidden', { x, w: w(`${p}.input_layernorm.weight`), y: hn }, (T) => ({ rows: T, yRow0: 0 }), (T) => [T, 1, 1]);
    if (a.qLoraRank !== null) {
      await linear('q_a_proj', hn, tensor(`${p}.self_attn.q_a_proj.weight`), a.qLoraRank, H, qa!);
      await step('q_a_norm', { x: qa!, w: w(`${p}.self_attn.q_a_layernorm.weight`), y: qn! }, (T) => ({ rows: T, yRow0: 0 }), (T) => [T, 1, 1]);
      await linear('q_b_proj', qn!, tensor(`${p}.self_attn.q_b_proj.weight`), a.heads * qk, a.qLoraRank, q);
    } else {
      await linear('q_proj', hn, tensor(`${p}.self_attn.q_proj.weight`), a.heads * qk, H, q);
    }
    await linear('kv_a_proj', hn, tensor(`${p}.self_attn.kv_a_proj_with_mqa.weight`), R + P, H, kva);
    await step('kv_a_norm_to_cache', { x: kva, w: w(`${p}.self_attn.kv_a_layernorm.weight`), y: cache }, (T, pos0) => ({ rows: T, yRow0: pos0 }), (T) => [T, 1, 1]);
    await step('rope_k_to_cache', { src: kva, cs, dst: cache }, (T, pos0) => ({ rows: T, pos0, dstRow0: pos0 }), flat('rope_k_to_cache', P / 2));
    const wkvb = w(`${p}.self_attn.kv_b_proj.weight`);
    await step('absorb_w_uk', { x: q, w: wkvb, y: qcat }, rowsP, flat('absorb_w_uk', a.heads * R));
    await step('rope_q', { src: q, cs, dst: qcat }, (T, pos0) => ({ rows: T, pos0, dstRow0: 0 }), flat('rope_q', a.heads * (P / 2)));
    await step('attention_mla', { q: qcat, kv: cache, out: olat }, (T, pos0) => ({ rows: T, pos0 }), (T) => [a.heads, T, 1]);
    await step('absorb_w_uv', { x: olat, w: wkvb, y: o }, rowsP, flat('absorb_w_uv', a.heads * a.vDim));
    await linear('o_proj', o, tensor(`${p}.self_attn.o_proj.weight`), H, a.heads * a.vDim, attn);
    await step('residual_add', { x: attn, y: x }, rowsP, flat('residual_add', H));
    await step('rmsnorm_hidden', { x, w: w(`${p}.post_attention_layernorm.weight`), y: fn }, (T) => ({ rows: T, yRow0: 0 }), (T) => [T, 1, 1]);
    if (!moe || !moeLayers.has(l)) {
      if (!model.ffn) throw new HostError(`layer ${l} of \`${model.name}\` has neither an FFN nor an MoE block`);
      const F = model.ffn.intermediate;
      const g = buf(MAXT * 2 * F);
      await linear('ffn_gate_up', fn, concatRows(tensor(`${p}.mlp.gate_proj.weight`), tensor(`${p}.mlp.up_proj.weight`)), 2 * F, H, g);
      const s = buf(MAXT * F);
      await step('ffn_swiglu', { g, y: s }, rowsP, flat('ffn_swiglu', F));
      await linear('ffn_down', s, tensor(`${p}.mlp.down_proj.weight`), H, F, out);
    } else {
      const E = moe.routed;
      const K = moe.topK;
      const I = moe.expert.intermediate;
      const logits = buf(MAXT * E);
      await step('router_logits', { a: fn, b: w(`${p}.mlp.gate.weight`), c: logits }, rowsP, mm('router_logits', E));
      const idx = buf(MAXT * K);
      const gw = buf(MAXT * K);
      const routerBuffers: Record<string, GPUBuffer> = { logits, idx, weights: gw };
      if (moe.balance.kind === 'bias_update') routerBuffers['bias'] = w(`${p}.mlp.gate.e_score_correction_bias`);
      await step('router', routerBuffers, rowsP, flat('router', 1));
      const plan = buf(moePlanWords({ experts: E, topK: K, maxTokens: MAXT }));
      await step('moe_plan', { idx, plan }, rowsP, () => [cdiv(E, kernel('moe_plan').workgroupSize[0]), 1, 1]);
      const gu = new Float32Array(E * 2 * I * H);
      const down = new Float32Array(E * H * I);
      for (let e = 0; e < E; e++) {
        gu.set(concatRows(tensor(`${p}.mlp.experts.${e}.gate_proj.weight`), tensor(`${p}.mlp.experts.${e}.up_proj.weight`)), e * 2 * I * H);
        down.set(tensor(`${p}.mlp.experts.${e}.down_proj.weight`), e * H * I);
      }
      const h = buf(E * MAXT * I);
      const guK = kernel('expert_gate_up');
      await step('expert_gate_up', { x: fn, plan, w: upload(gu), y: h }, () => ({}), () => [cdiv(I, tileConst(guK, 'TN')), cdiv(MAXT, tileConst(guK, 'TM')), E]);
      const y = buf(E * MAXT * H);
      const dnK = kernel('expert_down');
      await step('expert_down', { x: h, plan, w: upload(down), y }, () => ({}), () => [cdiv(H, tileConst(dnK, 'TN')), cdiv(MAXT, tileConst(dnK, 'TM')), E]);
      if (moe.shared.count > 0) {
        const Is = moe.shared.count * moe.shared.ffn.intermediate;
        const g = buf(MAXT * 2 * Is);
        await linear('shared_gate_up', fn, concatRows(tensor(`${p}.mlp.shared_experts.gate_proj.weight`), tensor(`${p}.mlp.shared_experts.up_proj.weight`)), 2 * Is, H, g);
        const s = buf(MAXT * Is);
        await step('shared_swiglu', { g, y: s }, rowsP, flat('shared_swiglu', Is));
        await linear('shared_down', s, tensor(`${p}.mlp.shared_experts.down_proj.weight`), H, Is, out);
      } else {
        steps.push({ kind: 'clear', buffer: out });
      }
      await step('moe_combine', { weights: gw, plan, y, out }, rowsP, flat('moe_combine', H));
    }
    await step('residual_add', { x: out, y: x }, rowsP, flat('residual_add', H));
  }
  const xn = buf(MAXT * H);
  await step('rmsnorm_hidden', { x, w: w('model.norm.weight'), y: xn }, (T) => ({ rows: T, yRow0: 0 }), (T) => [T, 1, 1]);
  const logits = buf(MAXT * model.vocab);
  await step('lm_head', { a: xn, b: w(model.tiedEmbeddings ? 'model.embed_tokens.weight' : 'lm_head.weight'), c: logits }, rowsP, mm('lm_head', model.vocab));
  const staging = device.createBuffer({ size: MAXT * model.vocab * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  owned.push(staging);

  let position = 0;
  const forward = async (tokens: readonly number[]): Promise<Float32Array> => {
    const T = tokens.length;
    if (T === 0 || T > MAXT) throw new HostError(`a forward call takes 1..${MAXT} tokens, not ${T}`);
    if (position + T > CAP) throw new HostError(`${position + T} positions exceed the KV-cache capacity ${CAP}`);
    for (const t of tokens) if (!Number.isInteger(t) || t < 0 || t >= model.vocab) throw new HostError(`token ${t} is outside the vocabulary 0..${model.vocab - 1}`);
    device.queue.writeBuffer(ids, 0, Uint32Array.from(tokens));
    const enc = device.createCommandEncoder();
    let pass: GPUComputePassEncoder | null = null;
    for (const s of steps) {
      if (s.kind === 'clear') {
        pass?.end();
        pass = null;
        enc.clearBuffer(s.buffer);
        continue;
      }
      if (s.uniform) {
        const values = s.params(T, position);
        const words = new Uint32Array(s.uniform.size / 4);
        s.kernel.params.forEach((name, i) => {
          const v = values[name];
          if (v === undefined) throw new Error(`internal error: kernel \`${s.kernel.name}\` needs param \`${name}\``);
          words[i] = v;
        });
        device.queue.writeBuffer(s.uniform, 0, words);
      }
      pass ??= enc.beginComputePass();
      pass.setPipeline(s.pipeline);
      pass.setBindGroup(0, s.group);
      const [gx, gy, gz] = s.workgroups(T);
      pass.dispatchWorkgroups(gx, gy, gz);
    }
    pass?.end();
    const bytes = T * model.vocab * 4;
    enc.copyBufferToBuffer(logits, 0, staging, 0, bytes);
    device.queue.submit([enc.finish()]);
    await staging.mapAsync(GPUMapMode.READ, 0, bytes);
    const result = new Float32Array(staging.getMappedRange(0, bytes).slice(0));
    staging.unmap();
    position += T;
    return result;
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
    destroy() {
      for (const b of owned) b.destroy();
      owned.length = 0;
    },
  };
}
