/**
 * `kasc build --emit wgsl`: every WGSL kernel a model's forward pass uses (kernelsForModel at full
 * size), one file per kernel at `wgsl/<model>/<kernel>.wgsl`. The kernels are generated for WebGPU's
 * core default limits and GPU tiling, not for the adapter of the machine that builds, so the bytes
 * depend on the input alone (STYLE habit 8); `kasc run` generates its own for the adapter it runs on.
 *
 * Precision follows the precision pass (src/passes/precision.ts): a model that a `train` deployment
 * runs in FP8 gets FP8 linears (the activation quantizer and the block-scaled FP8 GEMM) with that
 * deployment's activation tiles, weight blocks and promotion interval N_C; every other model (BF16
 * policy — WebGPU has no BF16 arithmetic, so f32 — or no deployment) gets f32 linears. `emitPrecisions`
 * makes that choice once for both emitters and says where it could not follow a deployment.
 */
import type { Diagnostic, Span } from '../diagnostics/diagnostic.js';
import { diagnostic } from '../diagnostics/codes.js';
import type { ModelIR } from '../ir/model.js';
import type { Analysis } from '../passes/analyze.js';
import type { PrecisionResult } from '../passes/precision.js';
import { CORE_DEFAULT_LIMITS, type GeneratedKernel, kernelsForModel, maxAttentionSeq } from './kernels/index.js';
import { fp8KernelOptions, fp8ScalingProblems } from './plan.js';
import type { Fp8Scaling } from './runtime/runtime.js';

/** Tokens per call the emitted kernels and buffers are sized for (kernelsForModel's default). */
export const EMIT_MAX_TOKENS = 64;

/** The precision a model is emitted in, and the deployment it follows (none for f32 by default). */
export interface EmitPrecision {
  readonly precision: 'fp32' | 'fp8';
  /** FP8: the deployment's scaling (precision pass `scaling`). */
  readonly fp8?: Fp8Scaling;
  /** The `train` deployment whose precision result this is; absent when no deployment decides. */
  readonly from?: string;
}

/** A deployment's precision the emitters could not follow, at the deployment's `precision` field. */
export const F32_PRECISION: EmitPrecision = { precision: 'fp32' };

/**
 * The precision of each model (by name) from the deployments' precision results: FP8 when a `train`
 * deployment of it resolved to FP8 with a scaling the kernels implement (the first such, in source
 * order), else f32. A deployment whose FP8 scaling the kernels do not implement, or that asks for a
 * different scaling than the one followed, gets a warning (KAS0660) at the deployment.
 */
export function emitPrecisions(analysis: Pick<Analysis, 'deployments' | 'passResults'>): { readonly byModel: ReadonlyMap<string, EmitPrecision>; readonly notes: readonly Diagnostic[] } {
  const byModel = new Map<string, EmitPrecision>();
  const notes: { span: Span; message: string }[] = [];
  const unsupported: { span: Span; model: string; message: string }[] = [];
  const scalingText = (s: Fp8Scaling): string => `activations ${s.activationTile.join('x')}, weights ${s.weightBlock.join('x')}, promote ${s.promoteEvery}`;
  for (const d of analysis.deployments) {
    const r = analysis.passResults.get(d)?.find((p) => p.pass.name === 'precision')?.result as PrecisionResult | undefined;
    if (!r || r.policy !== 'fp8' || !r.scaling) {
      if (!byModel.has(d.model.name) && r) byModel.set(d.model.name, { precision: 'fp32', from: d.name });
      continue;
    }
    const span = d.spans['precision'] ?? d.span;
    const scaling: Fp8Scaling = { activationTile: [...r.scaling.activationTile], weightBlock: [...r.scaling.weightBlock], promoteEvery: r.scaling.promoteInterval };
    const problems = fp8ScalingProblems(scaling);
    if (problems.length) {
      unsupported.push({ span, model: d.model.name, message: `\`${d.name}\` runs \`${d.model.name}\` in FP8 with ${scalingText(scaling)}, but the FP8 kernels do not implement ${problems.join(', ')}` });
      continue;
    }
    const had = byModel.get(d.model.name);
    if (had?.precision === 'fp8') {
      if (scalingText(had.fp8!) !== scalingText(scaling)) notes.push({ span, message: `\`${d.name}\` runs \`${d.model.name}\` in FP8 with ${scalingText(scaling)}; the emitted code follows \`${had.from}\` (${scalingText(had.fp8!)})` });
      continue;
    }
    byModel.set(d.model.name, { precision: 'fp8', fp8: scaling, from: d.name });
  }
  for (const u of unsupported) {
    const p = byModel.get(u.model);
    notes.push({ span: u.span, message: `${u.message}; the emitted code ${p?.precision === 'fp8' ? `follows \`${p.from}\` (${scalingText(p.fp8!)})` : 'runs its linear layers in f32'}` });
  }
  notes.sort((a, b) => (a.span.file < b.span.file ? -1 : a.span.file > b.span.file ? 1 : a.span.start - b.span.start));
  return { byModel, notes: notes.map((n) => diagnostic('fp8ScalingNotFollowed', { detail: n.message }, n.span)) };
}

/** The KV-cache capacity the emitted attention kernel holds: the context, capped by core workgroup memory. */
export function emitMaxSeq(model: ModelIR): number {
  return Math.min(model.context ?? 4096, maxAttentionSeq(CORE_DEFAULT_LIMITS));
}

/** The kernels `--emit wgsl` writes and the emitted TypeScript module embeds: core default limits, GPU tiling, the model's precision. */
export function emittedKernels(model: ModelIR, precision: EmitPrecision = F32_PRECISION): GeneratedKernel[] {
  return kernelsForModel(model, CORE_DEFAULT_LIMITS, 'gpu', {
    maxTokens: EMIT_MAX_TOKENS,
    maxSeq: emitMaxSeq(model),
    ...(precision.precision === 'fp8' ? { precision: 'fp8', fp8: fp8KernelOptions(precision.fp8!) } : {}),
  });
}

/** The first line of every emitted file. */
export function wgslHeader(source: string, model: string, kernel: string): string {
  return `// generated by kasc from ${source}: kernel \`${kernel}\` of model \`${model}\`; do not edit\n`;
}

/** A model the generators refuse (a kernel configuration that cannot fit, a layer kind the runtime lacks), with the model for the diagnostic's location. */
export class CannotGenerateError extends Error {
  constructor(
    readonly model: ModelIR,
    readonly reason: Error,
  ) {
    super(reason.message);
    this.name = 'CannotGenerateError';
  }
}

/** The generators' own refusals (KernelConfigError, ModelRunError) as a CannotGenerateError naming `model`; anything else unchanged. */
export function namingModel(model: ModelIR, e: unknown): unknown {
  return e instanceof Error && (e.name === 'KernelConfigError' || e.name === 'ModelRunError') ? new CannotGenerateError(model, e) : e;
}

/**
 * Emitted files by relative path, in a stable order (models as the IR lists them, kernels in forward
 * order); `precisions` = emitPrecisions(analysis).byModel (a model missing from it is f32).
 */
export function emitWgsl(models: readonly ModelIR[], source: string, precisions: ReadonlyMap<string, EmitPrecision> = new Map()): Record<string, string> {
  const files: Record<string, string> = {};
  for (const model of models) {
    let kernels;
    try {
      kernels = emittedKernels(model, precisions.get(model.name));
    } catch (e) {
      throw namingModel(model, e);
    }
    for (const k of kernels) files[`wgsl/${model.name}/${k.name}.wgsl`] = wgslHeader(source, model.name, k.name) + k.wgsl;
  }
  return files;
}
