/**
 * WebGPU in Node through npm `webgpu` (Dawn). On a machine without a GPU, Dawn runs on a CPU driver:
 * its OpenGL ES backend over Mesa's llvmpipe (EGL surfaceless, compatibility feature level) or Vulkan
 * over Mesa's lavapipe (Mesa ≥ 25). We detect what works instead of assuming: try each backend in
 * order and keep the first adapter Dawn gives us.
 */
/// <reference types="@webgpu/types" />
import { createRequire } from 'node:module';

export type Backend = 'vulkan' | 'opengles';

export interface GpuContext {
  readonly device: GPUDevice;
  readonly adapterInfo: { readonly vendor: string; readonly architecture: string; readonly device: string; readonly description: string };
  readonly backend: Backend;
  readonly featureLevel: 'core' | 'compatibility';
  /** True for a software rasterizer (llvmpipe, lavapipe, SwiftShader): numbers measured there are CPU numbers. */
  readonly cpuDriver: boolean;
  /**
   * The Dawn instance. Held on purpose: dawn.node frees the instance when its JS object is collected,
   * and the device's event processing then touches freed memory (a segfault in
   * InstanceBase::ProcessEvents seen with webgpu@0.6.2), so it must live as long as the device.
   */
  readonly instance: GPU;
}

/** Raised when no backend gives an adapter; the message says what was tried and what to install. */
export class NoWebGpuAdapterError extends Error {
  constructor(readonly tried: readonly string[]) {
    super(
      `no WebGPU adapter: Dawn found none (tried ${tried.join('; ')}). On a machine without a GPU install Mesa's ` +
        'EGL/GLES packages (run `bash scripts/ensure-system-packages.sh`, as root) so Dawn can use its OpenGL ES backend on llvmpipe, ' +
        'or a Vulkan driver (Mesa ≥ 25 lavapipe)',
    );
    this.name = 'NoWebGpuAdapterError';
  }
}

interface DawnModule {
  create(options: string[]): GPU;
  globals: object;
}

let dawn: DawnModule | undefined;
function loadDawn(): DawnModule {
  if (!dawn) {
    const require = createRequire(import.meta.url);
    dawn = require('webgpu') as DawnModule;
    // The WebGPU enums (GPUBufferUsage, GPUShaderStage, GPUMapMode) live on globalThis in a browser.
    Object.assign(globalThis, dawn.globals);
  }
  return dawn;
}

/** The backends to try, in order: `KASC_WEBGPU_BACKEND=vulkan|opengles` pins one. Pure. */
export function backendOrder(env: Record<string, string | undefined>): Backend[] {
  const pinned = env['KASC_WEBGPU_BACKEND'];
  if (pinned === 'vulkan' || pinned === 'opengles') return [pinned];
  return ['vulkan', 'opengles'];
}

/** True when the adapter is a software rasterizer. Pure. */
export function isCpuDriver(info: { vendor: string; architecture: string; device: string; description: string }): boolean {
  return /llvmpipe|lavapipe|swiftshader|softpipe/i.test(`${info.vendor} ${info.architecture} ${info.device} ${info.description}`);
}

let cached: Promise<GpuContext> | undefined;
/** Every Dawn instance made, kept alive for the life of the process (see GpuContext.instance). */
const instances: GPU[] = [];

/** One device per process, made on first use (Dawn start-up costs ~50 ms; tests share it). */
export function acquireGpu(): Promise<GpuContext> {
  cached ??= requestGpu().catch((e: unknown) => {
    cached = undefined;
    throw e;
  });
  return cached;
}

async function requestGpu(): Promise<GpuContext> {
  // Mesa's EGL would otherwise pick X11 and fail without a display; surfaceless needs none.
  process.env['EGL_PLATFORM'] ??= 'surfaceless';
  const { create } = loadDawn();
  const tried: string[] = [];
  for (const backend of backendOrder(process.env)) {
    const gpu = create([`backend=${backend}`]);
    instances.push(gpu);
    for (const featureLevel of ['core', 'compatibility'] as const) {
      const adapter = await gpu.requestAdapter({ featureLevel, powerPreference: 'high-performance' });
      if (!adapter) {
        tried.push(`${backend}/${featureLevel}: none`);
        continue;
      }
      const i = adapter.info;
      const adapterInfo = { vendor: i.vendor, architecture: i.architecture, device: i.device, description: i.description };
      // Ask for what the adapter has: the defaults (4 storage buffers per stage in compatibility mode) are too few.
      const l = adapter.limits;
      const device = await adapter.requestDevice({
        requiredLimits: {
          maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
          maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
          maxBufferSize: l.maxBufferSize,
          maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
          maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
          maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
          maxComputeWorkgroupSizeY: l.maxComputeWorkgroupSizeY,
          maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
        },
      });
      return { device, adapterInfo, backend, featureLevel, cpuDriver: isCpuDriver(adapterInfo), instance: gpu };
    }
  }
  throw new NoWebGpuAdapterError(tried);
}

/** One line naming the adapter, for `kasc run` and the benchmarks. */
export function describeGpu(g: GpuContext): string {
  const name = g.adapterInfo.device || g.adapterInfo.description || g.adapterInfo.vendor || 'unknown adapter';
  return `${name} (Dawn ${g.backend}, ${g.featureLevel}${g.cpuDriver ? ', CPU driver' : ''})`;
}
