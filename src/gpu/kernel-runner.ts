/**
 * Host helpers for one generated kernel: its pipeline, its buffers, a dispatch, a read-back. Used by
 * the compile-only pipeline check, the per-kernel GPU tests and the kernel benchmarks; the generated
 * model module carries its own copy of the few lines it needs, so it imports nothing from kasc.
 */
/// <reference types="@webgpu/types" />
import type { BindingSpec, Dispatch, GeneratedKernel } from '../codegen/kernels/types.js';

/**
 * Creates the kernel's compute pipeline; a WGSL compile error or a validation error becomes one thrown
 * Error with Dawn's message. Synchronous creation inside error scopes: on Dawn's OpenGL ES backend
 * (webgpu@0.6.2) `createComputePipelineAsync()` was seen to abort the process, so it is not used.
 */
export async function createKernelPipeline(device: GPUDevice, kernel: GeneratedKernel, label = kernel.name): Promise<GPUComputePipeline> {
  device.pushErrorScope('internal');
  device.pushErrorScope('validation');
  const module = device.createShaderModule({ label, code: kernel.wgsl });
  const pipeline = device.createComputePipeline({ label, layout: 'auto', compute: { module, entryPoint: kernel.entryPoint } });
  const validation = await device.popErrorScope();
  const internal = await device.popErrorScope();
  const error = validation ?? internal;
  if (error) throw new Error(`kernel \`${label}\` does not compile or make a pipeline on this adapter:\n${error.message}`);
  return pipeline;
}

function roundUp(n: number, m: number): number {
  return Math.ceil(n / m) * m;
}

/** A storage buffer initialised from `data` (or zeros of `bytes`), usable as a copy source for read-back. */
export function storageBuffer(device: GPUDevice, data: Float32Array | Uint32Array | number): GPUBuffer {
  const bytes = typeof data === 'number' ? data : data.byteLength;
  const buf = device.createBuffer({ size: Math.max(16, roundUp(bytes, 16)), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
  if (typeof data !== 'number') device.queue.writeBuffer(buf, 0, data.buffer as ArrayBuffer, data.byteOffset, data.byteLength);
  return buf;
}

/** The Params uniform: one u32 per field, in the kernel's order, padded to 16 bytes. */
export function paramsBuffer(device: GPUDevice, kernel: GeneratedKernel, values: Readonly<Record<string, number>>): GPUBuffer {
  const words = new Uint32Array(Math.max(4, roundUp(kernel.params.length, 4)));
  kernel.params.forEach((p, i) => {
    const v = values[p];
    if (v === undefined) throw new Error(`internal error: kernel \`${kernel.name}\` needs param \`${p}\``);
    words[i] = v;
  });
  const buf = device.createBuffer({ size: words.byteLength, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(buf, 0, words);
  return buf;
}

/** A bind group for the kernel from buffers named as its storage bindings (the uniform comes from `params`). */
export function bindGroup(device: GPUDevice, pipeline: GPUComputePipeline, kernel: GeneratedKernel, buffers: Readonly<Record<string, GPUBuffer>>, params?: GPUBuffer): GPUBindGroup {
  const entries = kernel.bindings.map((b: BindingSpec) => {
    const buffer = b.type === 'uniform' ? params : buffers[b.name];
    if (!buffer) throw new Error(`internal error: kernel \`${kernel.name}\` binding \`${b.name}\` has no buffer`);
    return { binding: b.binding, resource: { buffer } };
  });
  return device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
}

/** Records `repeat` dispatches of one bind group in one submit. */
export function dispatch(device: GPUDevice, pipeline: GPUComputePipeline, group: GPUBindGroup, workgroups: Dispatch, repeat = 1): void {
  const enc = device.createCommandEncoder();
  const pass = enc.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, group);
  for (let i = 0; i < repeat; i++) pass.dispatchWorkgroups(workgroups[0], workgroups[1], workgroups[2]);
  pass.end();
  device.queue.submit([enc.finish()]);
}

/** Copies `bytes` of a storage buffer back to the CPU. */
export async function readBuffer(device: GPUDevice, src: GPUBuffer, bytes: number): Promise<ArrayBuffer> {
  const size = roundUp(bytes, 4);
  const staging = device.createBuffer({ size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const enc = device.createCommandEncoder();
  enc.copyBufferToBuffer(src, 0, staging, 0, size);
  device.queue.submit([enc.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const out = staging.getMappedRange().slice(0, bytes);
  staging.unmap();
  staging.destroy();
  return out;
}

/** Runs a kernel once on fresh buffers and returns the named outputs (f32). For tests. */
export async function runKernelOnce(
  device: GPUDevice,
  kernel: GeneratedKernel,
  inputs: Readonly<Record<string, Float32Array | Uint32Array | number>>,
  params: Readonly<Record<string, number>>,
  workgroups: Dispatch,
  outputs: readonly string[],
): Promise<Record<string, Float32Array>> {
  const pipeline = await createKernelPipeline(device, kernel);
  const buffers: Record<string, GPUBuffer> = {};
  for (const [name, v] of Object.entries(inputs)) buffers[name] = storageBuffer(device, v);
  const ubo = kernel.params.length ? paramsBuffer(device, kernel, params) : undefined;
  dispatch(device, pipeline, bindGroup(device, pipeline, kernel, buffers, ubo), workgroups);
  const out: Record<string, Float32Array> = {};
  for (const name of outputs) {
    const v = inputs[name]!;
    const bytes = typeof v === 'number' ? v : v.byteLength;
    out[name] = new Float32Array(await readBuffer(device, buffers[name]!, bytes));
  }
  for (const b of Object.values(buffers)) b.destroy();
  ubo?.destroy();
  return out;
}
