/**
 * The training step-time model: compute per micro-batch per pipeline stage, expert-parallel all-to-all,
 * tensor-parallel collectives, the pipeline schedule's bubble, data-parallel gradient sync and the
 * optimizer step. Every formula is in docs/formulas.md with its source; the efficiency factors come
 * from the GPU's `efficiency { … }` block in the stdlib, never from constants here.
 */
import type { ModelIR } from '../ir/model.js';
import { countParams, layerParams } from './params.js';
import { attentionFlopsPerTokenPerLayer } from './flops.js';

/** Seconds in a day, for tokens per day (a definition, not a measurement). */
export const SECONDS_PER_DAY = 86_400;

export interface TrainFlopSplit {
  /** Training FLOPs per token (forward + backward = 3 × forward) by where they run, MTP included. */
  readonly fp8GemmPerToken: number;
  readonly bf16GemmPerToken: number;
  /** Causal attention scores and values, forward + backward. */
  readonly attentionPerToken: number;
}

/**
 * Training FLOPs per token split by tensor-core path: 3 × 2 FLOP per weight a token multiplies by.
 * Linear layers (attention projections, dense FFN, experts, MTP projection) run in FP8 when `fp8`;
 * the output head and the gating stay BF16 (V3TR §3.3); causal attention 3 × n·(d_qk + d_v)·seq per
 * layer runs in BF16. MTP modules (a layer shaped like the last, a 2h→h projection and the shared
 * head) are real work, so they are counted here though not in the model FLOPs of MFU.
 */
export function trainFlopSplit(model: ModelIR, sequence: number, fp8: boolean): TrainFlopSplit {
  const p = countParams(model);
  const a = p.activatedBreakdown;
  const head = model.tiedEmbeddings ? p.breakdown.embedding : a.head;
  let linear = a.attention + a.denseFfn + a.experts + a.sharedExperts;
  let bf16 = head + a.router;
  let attentionLayers = model.layers;
  if (model.mtpDepth > 0) {
    const last = layerParams(model, model.layers - 1).activated;
    linear += model.mtpDepth * (last.attention + last.denseFfn + last.experts + last.sharedExperts + 2 * model.hidden * model.hidden);
    bf16 += model.mtpDepth * (model.vocab * model.hidden + last.router);
    attentionLayers += model.mtpDepth;
  }
  const gemm = (w: number) => 3 * 2 * w;
  return {
    fp8GemmPerToken: fp8 ? gemm(linear) : 0,
    bf16GemmPerToken: gemm(bf16) + (fp8 ? 0 : gemm(linear)),
    attentionPerToken: 3 * attentionLayers * attentionFlopsPerTokenPerLayer(model, sequence, true),
  };
}

/**
 * The share of the model's layers on the busiest pipeline stage: ⌈(L + MTP) / PP⌉ / (L + MTP). Stages
 * are assumed balanced by layer placement (the embedding and head go to stages with fewer layers), so
 * only the granularity of whole layers makes one stage busier than the mean.
 */
export function busiestStageShare(layers: number, pipeline: number): number {
  return Math.ceil(layers / pipeline) / layers;
}

/** Micro-batches per pipeline per step: global batch / (data replicas × sequences per micro-batch). */
export function microBatchesPerStep(batch: number, data: number, microBatch: number): number {
  return batch / (data * microBatch);
}

/** Seconds for `flop` at `peak × efficiency` on a fraction `smShare` of the SMs. */
export function computeSeconds(flop: number, peak: number, efficiency: number, smShare: number): number {
  return flop / (peak * efficiency * smShare);
}

/**
 * The SMs left for compute while communication kernels run on `commSms` of them (V3TR §3.2.2: 20 of
 * the H800's 132 run the all-to-all): (SMs − comm SMs) / SMs.
 */
export function computeSmShare(sms: number | null, commSms: number): number {
  return sms === null || sms === 0 ? 1 : (sms - commSms) / sms;
}

/** log C(n, k), for the hypergeometric probabilities below. */
function logChoose(n: number, k: number): number {
  let s = 0;
  for (let i = 0; i < k; i++) s += Math.log(n - i) - Math.log(i + 1);
  return s;
}

/**
 * Expected distinct nodes a token's top-k experts land on, routing uniform over the experts it may
 * reach: `reachable` nodes of `perNode` experts each; a node is missed with probability
 * C(E − e, k) / C(E, k) for E = reachable · perNode, e = perNode, so
 *   E[nodes] = reachable · (1 − C(E − e, k) / C(E, k)).
 * With node-limited routing (`groups = G choose M`, one group per node), reachable = M.
 */
export function expectedNodesPerToken(reachable: number, perNode: number, topK: number): number {
  const E = reachable * perNode;
  if (topK > E - perNode) return reachable;
  return reachable * (1 - Math.exp(logChoose(E - perNode, topK) - logChoose(E, topK)));
}

/**
 * Of those, the nodes other than the token's own: by symmetry its own node is among the N nodes of the
 * expert-parallel group with probability 1/N each, so E[remote] = E[nodes] · (N − 1) / N.
 */
export function expectedRemoteNodes(nodesPerToken: number, epNodes: number): number {
  return (nodesPerToken * (epNodes - 1)) / epNodes;
}

/**
 * All-to-all seconds for one direction (dispatch + combine) of `tokens` tokens through `moeLayers` MoE
 * layers: the InfiniBand hop carries one copy per remote node (node-limited routing deduplicates per
 * node), the scale-up hop one copy per routed expert off the GPU; the two hops pipeline, so the slower
 * binds: max(tokens·L·R·h·b / B_ib, tokens·L·k·(1 − 1/EP)·h·b / B_up), b = dispatch + combine bytes.
 */
export function allToAllSeconds(a: {
  tokens: number;
  moeLayers: number;
  hidden: number;
  bytesPerElement: number;
  remoteNodes: number;
  ibBytesPerSecond: number;
  forwardedCopies: number;
  scaleupBytesPerSecond: number;
}): { ib: number; scaleup: number; seconds: number } {
  const perToken = a.tokens * a.moeLayers * a.hidden * a.bytesPerElement;
  const ib = a.remoteNodes === 0 ? 0 : (perToken * a.remoteNodes) / a.ibBytesPerSecond;
  const scaleup = (perToken * a.forwardedCopies) / a.scaleupBytesPerSecond;
  return { ib, scaleup, seconds: Math.max(ib, scaleup) };
}

/**
 * Ring all-reduce of `bytes` over n ranks: 2(n − 1)/n · bytes / B (Patarasuk & Yuan 2009). ZeRO-1's
 * reduce-scatter of gradients plus all-gather of parameters moves the same volume.
 */
export function ringAllReduceSeconds(bytes: number, n: number, bytesPerSecond: number): number {
  return n <= 1 ? 0 : (2 * (n - 1) * bytes) / (n * bytesPerSecond);
}

/**
 * Fire-Flyer's HFReduce (FF §6): each GPU copies its gradients to host memory once over PCIe, the CPU
 * reduces the node's GPUs, the nodes all-reduce over the node's NICs, and the result returns over
 * PCIe. The stages pipeline, so the slower binds: max(bytes / B_pcie, 2(m − 1)/m · bytes / B_node_nic)
 * for m nodes. PCIe carries each byte once per direction, against (2n − 1)/n for a ring.
 */
export function hfReduceSeconds(bytes: number, nodes: number, pcieBytesPerSecond: number, nodeNicBytesPerSecond: number): number {
  return Math.max(bytes / pcieBytesPerSecond, nodes <= 1 ? 0 : (2 * (nodes - 1) * bytes) / (nodes * nodeNicBytesPerSecond));
}

export interface ChunkTimes {
  /** Forward of one micro-batch on one stage. */
  readonly f: number;
  /** Backward for inputs (activation gradients), recomputation included. */
  readonly b: number;
  /** Backward for weights. */
  readonly w: number;
}

/**
 * Pipeline time of one step (V3TR Table 2; Narayanan et al. 2021 for interleaving), M micro-batches,
 * PP stages, chunk times f, b, w (communication included where it is not overlapped):
 *   1F1B / GPipe:  (M + PP − 1)(f + b + w)                      bubble (PP − 1)(f + b + w)
 *   interleaved:   M(f + b + w) + (PP − 1)(f + b + w) / v
 *   DualPipe:      M(f&b + w) + (PP/2 − 1)(f&b + b − 3w), where f&b is an overlapped forward-backward
 *                  pair: max(f + b, all-to-all of f and b) — communication hides behind compute.
 */
export function pipelineSeconds(
  schedule: '1f1b' | 'interleaved' | 'dualpipe' | 'gpipe',
  m: number,
  pp: number,
  virtualStages: number,
  c: ChunkTimes,
  pairSeconds: number,
): { busy: number; bubble: number } {
  if (schedule === 'dualpipe') {
    return { busy: m * (pairSeconds + c.w), bubble: Math.max(0, (pp / 2 - 1) * (pairSeconds + c.b - 3 * c.w)) };
  }
  const chunk = c.f + c.b + c.w;
  const bubble = schedule === 'interleaved' ? ((pp - 1) * chunk) / virtualStages : (pp - 1) * chunk;
  return { busy: m * chunk, bubble };
}

/**
 * AdamW step on the GPU's shard of the optimizer state, bound by HBM: per parameter it reads the
 * gradient and the master weight and both moments, writes master and moments back and writes the
 * working weight: bytes = grad + 2·master + 2·moments + weight; seconds = params · bytes / (B_hbm · e).
 */
export function optimizerSeconds(params: number, bytesPerParam: number, hbmBytesPerSecond: number, efficiency: number): number {
  return (params * bytesPerParam) / (hbmBytesPerSecond * efficiency);
}

/**
 * Model FLOPs utilization: model FLOPs per token × tokens per step / (step × GPUs × peak). With
 * `trainPerToken` from flops.ts (3 × forward, MTP and recomputation not counted), causal or not.
 */
export function modelFlopsUtilization(flopPerToken: number, tokensPerStep: number, stepSeconds: number, gpus: number, peak: number): number {
  return (flopPerToken * tokensPerStep) / (stepSeconds * gpus * peak);
}

/**
 * Weights whose forward GEMMs selective recomputation runs again in the backward pass, per token over
 * all layers: the projections that make the tensors it drops. MLA: the up-projections q_b r_q·n·d_qk
 * and kv_b r_kv·n·(d_nope + d_v) (V3TR §3.2.3); GQA/MHA: q, k, v h·(n + 2g)·d. Norms and SwiGLU are
 * elementwise and not counted.
 */
export function selectiveRecomputeWeights(model: ModelIR): number {
  const a = model.attention;
  const perLayer =
    a.kind === 'mla'
      ? (a.qLoraRank ?? 0) * a.heads * (a.qkNopeDim + a.qkRopeDim) + a.kvLoraRank * a.heads * (a.qkNopeDim + a.vDim)
      : model.hidden * (a.heads + 2 * a.kvHeads) * a.headDim;
  return perLayer * (model.layers + model.mtpDepth);
}
