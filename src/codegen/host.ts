/**
 * The WebGPU host of a model's forward pass for `kasc run` and the GPU tests: it generates the kernels
 * of `kernelsForModel` for the adapter it runs on, plans the forward pass (src/codegen/plan.ts) and
 * hands both to the portable runtime (src/codegen/runtime/runtime.ts), the same code the module of
 * `kasc build --emit ts` carries. The runtime makes every buffer, pipeline, Params uniform and bind
 * group once, then runs prefill and decode steps against the KV cache.
 *
 * Supported: MLA attention (with or without q_lora_rank, the latent cache) and GQA/MQA/MHA (K and V
 * cached, rotate-half RoPE), dense SwiGLU FFN layers, DeepSeekMoE layers (router, routed experts,
 * shared experts or none), f32 or FP8 linears (the split of kernelsForModel). What the kernels do not
 * implement (layernorm, biases, GELU) is refused with a message (plan.ts `unsupported`).
 */
/// <reference types="@webgpu/types" />
import type { ModelIR } from '../ir/model.js';
import { type DeviceClass, type KernelLimits, kernelsForModel, maxAttentionSeq } from './kernels/index.js';
import { type QuantizedActivation, packE4M3, quantizeBlocks } from './reference/fp8.js';
import { planForward, tensorGroups } from './plan.js';
import { type GpuModel as RuntimeModel, ModelRunError, createRuntime } from './runtime/runtime.js';
import type { Weights } from './weights.js';

export interface ModelRunOptions {
  /** Most tokens one call may carry (the longest prefill); default 8. */
  readonly maxTokens?: number;
  /** KV-cache capacity in positions; default min(context, 64, what the attention kernel fits). */
  readonly maxSeq?: number;
  readonly precision?: 'fp32' | 'fp8';
  /** Which tiling the kernels get; default 'gpu'. Pass 'cpu' on a software driver (llvmpipe). */
  readonly deviceClass?: DeviceClass;
}

export interface GpuModel extends RuntimeModel {
  /** FP8: the activations the last call quantized (codes, 1×128 scales), one per FP8 linear in call order; [] for f32. */
  readQuantizedActivations(): Promise<QuantizedActivation[]>;
}

/** Raised for a model or call the host cannot run; the message says why (the runtime's error class). */
export const HostError = ModelRunError;
export type HostError = ModelRunError;

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

/** FP8 weights as the kernels read them: 128×128 block scales, E4M3 codes packed 4 per u32 (reference/fp8.ts). */
export function quantizeWeight(w: Float32Array, n: number, k: number): { codes: Uint32Array; scales: Float32Array } {
  const q = quantizeBlocks(w, n, k, 128);
  return { codes: packE4M3(q.codes), scales: q.scales };
}

export async function createModel(device: GPUDevice, model: ModelIR, weights: Weights, options: ModelRunOptions = {}): Promise<GpuModel> {
  const limits = kernelLimits(device);
  const precision = options.precision ?? 'fp32';
  const maxTokens = options.maxTokens ?? 8;
  const maxSeq = options.maxSeq ?? Math.min(model.context ?? 64, 64, maxAttentionSeq(limits));
  const kernels = kernelsForModel(model, limits, options.deviceClass ?? 'gpu', { maxTokens, maxSeq, precision });
  const plan = planForward(model, kernels, { maxTokens, maxSeq, precision });
  const rt = await createRuntime(device, { plan, kernels: Object.fromEntries(kernels.map((k) => [k.name, k])), tensors: tensorGroups(model) }, weights, { quantize: quantizeWeight });
  let lastRows = 0;
  return {
    get maxTokens() {
      return rt.maxTokens;
    },
    get maxSeq() {
      return rt.maxSeq;
    },
    get position() {
      return rt.position;
    },
    async prefill(tokens) {
      const out = await rt.prefill(tokens);
      lastRows = tokens.length;
      return out;
    },
    async decode(token) {
      const out = await rt.decode(token);
      lastRows = 1;
      return out;
    },
    readBinding: (kernelPrefix, binding) => rt.readBinding(kernelPrefix, binding),
    async readQuantizedActivations() {
      if (precision !== 'fp8') return [];
      const codes = await rt.readBinding('quantize_act_', 'q');
      const scales = await rt.readBinding('quantize_act_', 'scales');
      return codes.map((c, i) => {
        const k = Number(c.kernel.slice('quantize_act_'.length));
        return { rows: lastRows, cols: k, codes: new Uint8Array(c.data, 0, lastRows * k), scales: new Float32Array(scales[i]!.data, 0, lastRows * Math.ceil(k / 128)) };
      });
    },
    destroy: () => rt.destroy(),
  };
}
