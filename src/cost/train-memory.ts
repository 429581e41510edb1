/**
 * Memory per GPU in training: weights, gradients, optimizer state and cached activations, under the
 * precision policy and the parallel layout (PP, TP with or without sequence parallelism, EP, DP with
 * ZeRO). Formulas and their sources are in docs/formulas.md.
 */
import type { ModelIR } from '../ir/model.js';
import type { Parallel } from '../ir/deploy.js';
import { countParams, layerParams } from './params.js';

/** Parameters held by one GPU, split into what expert parallelism divides and what it does not. */
export interface GpuParams {
  /** Attention, dense FFN, shared experts, router, norms, embedding or head: split by TP only. */
  readonly dense: number;
  /** Routed experts: split by EP. */
  readonly experts: number;
  /** Copies of the stage's parameters a GPU holds (DualPipe: 2, V3TR Table 2). */
  readonly copies: number;
}

/**
 * Parameters on the GPU of the heaviest stage. A full stage holds n = ⌈(L + MTP)/PP⌉ layers; the first
 * and last stages also hold the embedding or the head, and take one layer fewer when the stages have a
 * spare layer slot (PP · n > L + MTP), as balanced layouts do. Per GPU, for a stage of j layers and an
 * extra e (0, or the larger of embedding and head):
 *   dense   = (non-expert layer params · j / (L + MTP) + e) / TP
 *   experts = routed expert params · min(1, j / MoE layers) / EP
 * and the heavier of the full stage (j = n, e = 0) and the edge stage is taken.
 */
export function paramsPerGpu(model: ModelIR, p: Parallel): GpuParams {
  const c = countParams(model);
  const b = c.breakdown;
  const mtpLast = model.mtpDepth > 0 ? layerParams(model, model.layers - 1).total : null;
  const mtpExperts = mtpLast ? model.mtpDepth * mtpLast.experts : 0;
  const mtpDense = c.mtp ? c.mtp.unique - mtpExperts : 0;
  const experts = b.experts + mtpExperts;
  const layerDense = c.total - b.experts - b.embedding - b.head + mtpDense;
  const layersAll = model.layers + model.mtpDepth;
  const perStage = Math.ceil(layersAll / p.pipeline);
  const moeLayers = c.moeLayers + (model.moe && model.mtpDepth > 0 && mtpLast!.experts > 0 ? model.mtpDepth : 0);
  const edge = Math.max(b.embedding, model.tiedEmbeddings ? 0 : model.vocab * model.hidden);
  const stage = (j: number, e: number) => ({
    dense: (layerDense * (j / layersAll) + e) / p.tensor,
    experts: moeLayers === 0 ? 0 : (experts * Math.min(1, j / moeLayers)) / p.expert,
  });
  const full = stage(perStage, 0);
  const edgeStage = p.pipeline === 1 ? stage(perStage, edge) : stage(p.pipeline * perStage > layersAll ? perStage - 1 : perStage, edge);
  const heavier = edgeStage.dense + edgeStage.experts > full.dense + full.experts ? edgeStage : full;
  return { ...heavier, copies: p.schedule === 'dualpipe' ? 2 : 1 };
}

/**
 * The data-parallel replicas that share a parameter, over which ZeRO shards its state: DP for the
 * dense parameters; DP · TP / EP for the routed experts (EP is carved out of the DP × TP ranks).
 */
export function shardGroups(p: Parallel): { dense: number; experts: number } {
  return { dense: p.data, experts: Math.max(1, (p.data * p.tensor) / p.expert) };
}

export type Recompute = 'none' | 'selective' | 'full';

/** Activation elements one token leaves cached per layer, by dtype class, for the backward pass. */
export interface ActivationElements {
  /** Saved in the cached-activation dtype (FP8 under the fp8 policy): GEMM inputs. */
  readonly gemmInputs: number;
  /** Saved in BF16 whatever the policy: layer inputs and the attention output. */
  readonly bf16: number;
  /** Of these, the elements inside tensor-parallel regions (divided by TP even without SP). */
  readonly tensorParallel: number;
}

/**
 * Activation elements cached per token per layer (after Korthikanti et al. 2022, "Reducing Activation
 * Recomputation", with flash attention, which keeps no seq × seq scores):
 *   layer inputs: 2h (before attention and before the FFN, BF16);
 *   attention: the normed input h; MLA: the q and kv latents r_q + r_kv + d_rope, then q, k, v
 *     n·(2·d_qk + d_v); GQA/MHA: q, k, v n·d + 2g·d; the attention output n·d_v (BF16);
 *   FFN: the normed input h; per active FFN (top-k routed + shared, or the dense FFN) its gate and up
 *     outputs 2f and its SwiGLU output f (GeLU: f and f); routed experts also cache their dispatched
 *     input, k·h.
 * `selective` recomputes the cheap and large ones (norms, SwiGLU outputs, and MLA's up-projected q, k, v
 * from the latents — what DeepSeek-V3 recomputes, V3TR §3.2.3); `full` keeps only the layer input h.
 */
export function activationElementsPerTokenPerLayer(model: ModelIR, layer: number, recompute: Recompute): ActivationElements {
  const h = model.hidden;
  if (recompute === 'full') return { gemmInputs: 0, bf16: h, tensorParallel: 0 };
  const sel = recompute === 'selective';
  const a = model.attention;
  let attnIn: number;
  let attnOut: number;
  if (a.kind === 'mla') {
    const latents = (a.qLoraRank ?? 0) + a.kvLoraRank + a.qkRopeDim;
    const qkv = a.heads * (2 * (a.qkNopeDim + a.qkRopeDim) + a.vDim);
    attnIn = latents + (sel ? 0 : qkv);
    attnOut = a.heads * a.vDim;
  } else {
    attnIn = (sel ? 0 : a.heads * a.headDim + 2 * a.kvHeads * a.headDim);
    attnOut = a.heads * a.headDim;
  }
  const moe = model.moe;
  const isMoe = moe !== null && moe.layers.includes(layer);
  let ffnTp = 0;
  let dispatched = 0;
  const perFfn = (f: { kind: string; intermediate: number }) => (f.kind === 'swiglu' ? (sel ? 2 : 3) : sel ? 1 : 2) * f.intermediate;
  if (isMoe) {
    ffnTp = moe.topK * perFfn(moe.expert) + moe.shared.count * perFfn(moe.shared.ffn);
    dispatched = moe.topK * h;
  } else if (model.ffn) {
    ffnTp = perFfn(model.ffn);
  }
  const norms = sel ? 0 : 2 * h;
  return { gemmInputs: norms + attnIn + ffnTp + dispatched, bf16: 2 * h + attnOut, tensorParallel: attnIn + attnOut + ffnTp };
}

/**
 * Micro-batches whose activations the first stage holds at once: 1F1B and interleaved, PP (the extra
 * (PP − 1)/(PP·v) of interleaving is left out); DualPipe PP + 1 (V3TR Table 2); GPipe all M.
 */
export function microBatchesInFlight(schedule: Parallel['schedule'], pp: number, m: number): number {
  if (schedule === 'gpipe') return m;
  if (schedule === 'dualpipe') return Math.min(m, pp + 1);
  return Math.min(m, pp);
}
