/**
 * The training model: memory per GPU (an overflow is an error, KAS0500) and the time of one optimizer
 * step — compute, expert-parallel all-to-all with node-limited routing, tensor-parallel collectives,
 * the pipeline bubble of the schedule, data-parallel gradient sync (ring, or HFReduce on PCIe nodes)
 * and the optimizer — with tokens per day and MFU, and the error against the run's declared
 * `reference { … }` figures (which never feed the prediction).
 */
import type { DeploymentIR, TrainIR } from '../ir/deploy.js';
import { report } from '../diagnostics/codes.js';
import { deploymentSpan, type DeploymentPass, type PassContext } from './pass.js';
import { assignPrecision, type PrecisionResult } from './precision.js';
import type { RoutingResult } from './routing.js';
import { flopsPerToken } from '../cost/flops.js';
import { DTYPE_BYTES } from '../semantics/schema.js';
import {
  SECONDS_PER_DAY,
  allToAllSeconds,
  busiestStageShare,
  computeSeconds,
  computeSmShare,
  expectedNodesPerToken,
  expectedRemoteNodes,
  hfReduceSeconds,
  microBatchesPerStep,
  modelFlopsUtilization,
  optimizerSeconds,
  pipelineSeconds,
  ringAllReduceSeconds,
  selectiveRecomputeWeights,
} from '../cost/train-step.js';
import { activationElementsPerTokenPerLayer, microBatchesInFlight, paramsPerGpu, shardGroups } from '../cost/train-memory.js';
import { int, percent, si } from '../emit/report/format.js';

export interface TrainMemory {
  readonly params: { readonly dense: number; readonly experts: number; readonly copies: number; readonly held: number };
  readonly weights: number;
  readonly gradients: number;
  readonly optimizer: number;
  readonly activations: number;
  readonly activationBytesPerTokenPerLayer: number;
  readonly microBatchesInFlight: number;
  readonly total: number;
  readonly capacity: number;
  readonly fits: boolean;
}

export interface TrainStep {
  readonly seconds: number;
  readonly microBatches: number;
  readonly tokensPerMicroBatch: number;
  readonly stageShare: number;
  readonly chunk: { readonly forward: number; readonly backwardInput: number; readonly backwardWeight: number; readonly recompute: number };
  readonly comm: {
    readonly allToAllForward: number;
    readonly allToAllBackward: number;
    readonly allToAllIbForward: number;
    readonly allToAllScaleupForward: number;
    readonly remoteNodesPerToken: number;
    readonly scaleupCopiesPerToken: number;
    readonly routingFrom: string;
    readonly tensorParallelPerChunk: number;
    readonly pipelineP2pPerChunk: number;
  };
  readonly overlapped: boolean;
  /** DualPipe: one overlapped forward-backward pair. */
  readonly pairSeconds: number | null;
  readonly computeSmShare: number;
  readonly pipelineBusy: number;
  readonly bubble: number;
  readonly dataParallelSync: { readonly seconds: number; readonly method: 'ring' | 'hfreduce' | 'none'; readonly ringSeconds: number; readonly bytesPerGpu: number };
  readonly optimizer: number;
  readonly efficiency: { readonly compute: number; readonly fp8: number; readonly attention: number; readonly memory: number; readonly declared: boolean };
}

export interface TrainResult {
  readonly precision: string;
  readonly memory: TrainMemory;
  readonly step: TrainStep;
  readonly tokensPerStep: number;
  readonly tokensPerDay: number;
  readonly tflopsPerGpu: { readonly causal: number; readonly nonCausal: number };
  readonly mfu: { readonly causal: number; readonly nonCausal: number; readonly of: string };
  readonly reference: {
    readonly source: string | null;
    readonly stepSeconds: number | null;
    readonly mfu: number | null;
    readonly mfuCausal: number | null;
    readonly tokensPerDay: number | null;
    /** predicted / published − 1, for each published figure. */
    readonly error: { readonly stepSeconds: number | null; readonly mfu: number | null; readonly mfuCausal: number | null; readonly tokensPerDay: number | null };
  } | null;
}

const rel = (predicted: number, published: number | null) => (published === null ? null : predicted / published - 1);

function memoryOf(d: TrainIR, prec: PrecisionResult, m: number): TrainMemory {
  const p = d.parallel;
  const gp = paramsPerGpu(d.model, p);
  const groups = shardGroups(p);
  const b = prec.bytesPerParam;
  const held = (gp.dense + gp.experts) * gp.copies;
  const sharded = gp.copies * (gp.dense / groups.dense + gp.experts / groups.experts);
  const weights = (p.zero >= 3 ? sharded : held) * b.weights;
  const gradients = (p.zero >= 2 ? sharded : held) * b.gradients;
  const optimizer = (p.zero >= 1 ? sharded : held) * b.optimizer;
  // The busiest stage holds its ⌈(L + MTP)/PP⌉ heaviest layers (MTP modules shaped like the last layer).
  const layerIds = [...Array.from({ length: d.model.layers }, (_, i) => i), ...Array.from({ length: d.model.mtpDepth }, () => d.model.layers - 1)];
  const perLayer = layerIds.map((l) => {
    const e = activationElementsPerTokenPerLayer(d.model, l, d.recompute);
    const bytes = e.gemmInputs * prec.activationBytes + e.bf16 * DTYPE_BYTES.bf16;
    const tpBytes = (e.tensorParallel / (e.gemmInputs + e.bf16 || 1)) * bytes;
    return p.sequenceParallel ? bytes / p.tensor : tpBytes / p.tensor + (bytes - tpBytes);
  });
  perLayer.sort((x, y) => y - x);
  const perStage = Math.ceil(layerIds.length / p.pipeline);
  const stageBytesPerToken = perLayer.slice(0, perStage).reduce((s, x) => s + x, 0);
  const inFlight = microBatchesInFlight(p.schedule, p.pipeline, m);
  const activations = stageBytesPerToken * p.microBatch * d.sequence * inFlight;
  const total = weights + gradients + optimizer + activations;
  const capacity = d.cluster.node.gpu.memoryBytes;
  return {
    params: { dense: gp.dense, experts: gp.experts, copies: gp.copies, held },
    weights,
    gradients,
    optimizer,
    activations,
    activationBytesPerTokenPerLayer: stageBytesPerToken / perStage,
    microBatchesInFlight: inFlight,
    total,
    capacity,
    fits: total <= capacity,
  };
}

function reportOverflow(d: TrainIR, mem: TrainMemory, ctx: PassContext): void {
  const parts: [string, number][] = [
    ['weights', mem.weights],
    ['gradients', mem.gradients],
    ['optimizer states', mem.optimizer],
    ['activations', mem.activations],
  ];
  const biggest = [...parts].sort((a, b) => b[1] - a[1])[0]![0];
  const p = d.parallel;
  const help =
    biggest === 'activations'
      ? `activations dominate: use \`recompute = selective\` or \`full\`, fewer sequences per micro-batch, or tensor parallelism with \`sequence_parallel = true\``
      : `${biggest} dominate: split the model over more GPUs (\`pipeline\`${d.model.moe ? ', `expert`' : ''}, \`tensor\`) or shard more with \`zero = ${Math.min(3, p.zero + 1)}\`${d.cluster.gpus < 64 ? ', on a larger cluster' : ''}`;
  report(
    ctx.sink,
    'trainMemoryOverflow',
    { deployment: d.name, needed: si(mem.total, 'B'), over: si(mem.total - mem.capacity, 'B'), gpu: d.cluster.node.gpu.name, capacity: si(mem.capacity, 'B') },
    deploymentSpan(d),
    {
      label: 'does not fit in GPU memory',
      notes: [{ message: `per GPU: ${parts.map(([k, v]) => `${k} ${si(v, 'B')}`).join(', ')} (pipeline ${p.pipeline}, tensor ${p.tensor}, expert ${p.expert}, data ${p.data}, ZeRO-${p.zero})` }],
      help,
    },
  );
}

function stepOf(d: TrainIR, prec: PrecisionResult, m: number, ctx: PassContext): TrainStep {
  const gpu = d.cluster.node.gpu;
  const node = d.cluster.node;
  const p = d.parallel;
  const model = d.model;
  const declared = gpu.efficiency.compute !== null;
  const effCompute = gpu.efficiency.compute ?? 1;
  const eff = { compute: effCompute, fp8: gpu.efficiency.fp8 ?? effCompute, attention: gpu.efficiency.attention ?? effCompute, memory: gpu.efficiency.memory ?? 1, declared };
  const peakBf16 = gpu.peak.bf16 ?? gpu.peak.fp16 ?? Math.max(...Object.values(gpu.peak));
  const peakFp8 = gpu.peak.fp8 ?? peakBf16;
  const layersAll = model.layers + model.mtpDepth;
  const share = busiestStageShare(layersAll, p.pipeline);
  const tokens = p.microBatch * d.sequence;
  const moe = model.moe;
  const ep = p.expert;
  const overlapped = p.schedule === 'dualpipe';
  const sm = overlapped && moe && ep > 1 ? computeSmShare(gpu.sms, gpu.commSms) : 1;
  const work = (flopPerToken: number) => (tokens * share * flopPerToken) / 3 / p.tensor;
  const fGemm = computeSeconds(work(prec.flops.fp8GemmPerToken), peakFp8, eff.fp8, sm) + computeSeconds(work(prec.flops.bf16GemmPerToken), peakBf16, eff.compute, sm);
  const fAttn = computeSeconds(work(prec.flops.attentionPerToken), peakBf16, eff.attention, sm);
  const f = fGemm + fAttn;
  const gemmPeak = prec.policy === 'fp8' ? peakFp8 * eff.fp8 : peakBf16 * eff.compute;
  const recompute = d.recompute === 'full' ? f : d.recompute === 'selective' ? (tokens * share * 2 * selectiveRecomputeWeights(model)) / p.tensor / (gemmPeak * sm) : 0;
  const b = fGemm + 2 * fAttn + recompute;
  const w = fGemm;

  // Expert-parallel all-to-all.
  const perNode = node.gpuCount;
  const upBw = node.scaleup.achievable ?? node.scaleup.bandwidth;
  const ibPerGpu = ((node.nic.effective ?? node.nic.bandwidth) * node.nic.count) / perNode;
  let a2a = { ib: 0, scaleup: 0, seconds: 0 };
  let remote = 0;
  let copies = 0;
  let routingFrom = 'no expert parallelism';
  if (moe && ep > 1) {
    const epNodes = Math.ceil(ep / Math.min(perNode, ep));
    const routing = ctx.result<RoutingResult>(d, 'routing');
    if (routing) {
      remote = routing.analytic.limited.remoteNodes;
      copies = routing.analytic.limited.nvlinkTransfers;
      routingFrom = 'routing pass (uniform routing, analytic)';
    } else {
      const reachable = d.maxNodes ?? (moe.groups && moe.groups.count === epNodes ? moe.groups.choose : epNodes);
      remote = epNodes > 1 ? expectedRemoteNodes(expectedNodesPerToken(reachable, moe.routed / epNodes, moe.topK), epNodes) : 0;
      copies = moe.topK * (1 - 1 / ep);
      routingFrom = 'uniform routing over the reachable nodes';
    }
    const moeLayersAll = moe.layers.length + (model.mtpDepth > 0 && moe.layers.includes(model.layers - 1) ? model.mtpDepth : 0);
    a2a = allToAllSeconds({
      tokens,
      moeLayers: Math.min(Math.ceil(layersAll / p.pipeline), moeLayersAll),
      hidden: model.hidden,
      bytesPerElement: prec.dispatchBytes + prec.combineBytes,
      remoteNodes: remote,
      ibBytesPerSecond: ibPerGpu,
      forwardedCopies: copies,
      scaleupBytesPerSecond: upBw,
    });
  }
  // Tensor parallelism: two all-reduces (or reduce-scatter + all-gather with SP, the same volume) per
  // layer forward and two backward, of the micro-batch's BF16 activations.
  const tpBw = p.tensor <= perNode ? upBw : ibPerGpu;
  const perStageLayers = Math.ceil(layersAll / p.pipeline);
  const tp = p.tensor > 1 ? 2 * perStageLayers * ringAllReduceSeconds(tokens * model.hidden * DTYPE_BYTES.bf16, p.tensor, tpBw) : 0;
  // Pipeline point-to-point: one activation (forward) or gradient (backward) per chunk, across nodes.
  const p2p = p.pipeline > 1 ? ((tokens * model.hidden * DTYPE_BYTES.bf16) / p.tensor / ibPerGpu) * (p.schedule === 'interleaved' ? p.virtualStages : 1) : 0;

  let chunk: { f: number; b: number; w: number };
  let pair: number | null = null;
  if (overlapped) {
    pair = Math.max(f + b, 2 * a2a.seconds + 2 * p2p) + 2 * tp;
    chunk = { f, b, w };
  } else {
    chunk = { f: f + a2a.seconds + tp + p2p, b: b + a2a.seconds + tp + p2p, w };
  }
  const pipe = pipelineSeconds(p.schedule, m, p.pipeline, p.virtualStages, chunk, pair ?? 0);

  // Data-parallel gradient sync: BF16 gradients of the GPU's parameters over their replicas.
  const gp = paramsPerGpu(model, p);
  const groups = shardGroups(p);
  const gradBytes = DTYPE_BYTES.bf16;
  const denseBytes = gp.dense * gp.copies * gradBytes;
  const expertBytes = gp.experts * gp.copies * gradBytes;
  // Megatron rank order (TP innermost, then DP, PP outermost): a node holds perNode / TP ranks of a
  // data-parallel group, so a group that small stays on the scale-up fabric.
  const dpPerNode = Math.max(1, Math.floor(perNode / p.tensor));
  const ringBw = (n: number) => (n <= dpPerNode ? upBw : ibPerGpu);
  const ring = ringAllReduceSeconds(denseBytes, groups.dense, ringBw(groups.dense)) + ringAllReduceSeconds(expertBytes, groups.experts, ringBw(groups.experts));
  let sync = ring;
  let method: 'ring' | 'hfreduce' | 'none' = groups.dense > 1 || groups.experts > 1 ? 'ring' : 'none';
  if (node.scaleup.kind === 'pcie' && method !== 'none') {
    const nodeNic = (node.nic.effective ?? node.nic.bandwidth) * node.nic.count;
    const nodesOf = (n: number) => Math.ceil(n / dpPerNode);
    sync = hfReduceSeconds(denseBytes, nodesOf(groups.dense), node.scaleup.bandwidth, nodeNic) + hfReduceSeconds(expertBytes, nodesOf(groups.experts), node.scaleup.bandwidth, nodeNic);
    method = 'hfreduce';
  }

  const dt = prec.dtypes;
  const bytesPerUpdate = DTYPE_BYTES[dt.weightGradients] + 2 * DTYPE_BYTES[dt.masterWeights] + 4 * DTYPE_BYTES[dt.adamMoments] + DTYPE_BYTES[dt.workingWeights];
  const optParams = p.zero >= 1 ? gp.copies * (gp.dense / groups.dense + gp.experts / groups.experts) : gp.copies * (gp.dense + gp.experts);
  const opt = optimizerSeconds(optParams, bytesPerUpdate, gpu.hbmBytesPerSecond, eff.memory);

  return {
    seconds: pipe.busy + pipe.bubble + sync + opt,
    microBatches: m,
    tokensPerMicroBatch: tokens,
    stageShare: share,
    chunk: { forward: chunk.f, backwardInput: chunk.b, backwardWeight: chunk.w, recompute },
    comm: {
      allToAllForward: a2a.seconds,
      allToAllBackward: a2a.seconds,
      allToAllIbForward: a2a.ib,
      allToAllScaleupForward: a2a.scaleup,
      remoteNodesPerToken: remote,
      scaleupCopiesPerToken: copies,
      routingFrom,
      tensorParallelPerChunk: tp,
      pipelineP2pPerChunk: p2p,
    },
    overlapped,
    pairSeconds: pair,
    computeSmShare: sm,
    pipelineBusy: pipe.busy,
    bubble: pipe.bubble,
    dataParallelSync: { seconds: sync, method, ringSeconds: ring, bytesPerGpu: denseBytes + expertBytes },
    optimizer: opt,
    efficiency: eff,
  };
}

export function modelTraining(d: TrainIR, ctx: PassContext): TrainResult {
  const prec = ctx.result<PrecisionResult>(d, 'precision') ?? assignPrecision(d);
  const p = d.parallel;
  const m = microBatchesPerStep(d.batch, p.data, p.microBatch);
  const memory = memoryOf(d, prec, m);
  if (!memory.fits) reportOverflow(d, memory, ctx);
  const gpu = d.cluster.node.gpu;
  if (p.pipeline > 1 && m < p.pipeline) report(ctx.sink, 'fewMicroBatches', { micro: m, stages: p.pipeline }, deploymentSpan(d, 'batch'), { help: 'raise the batch, or lower `micro_batch` or `pipeline`' });
  if (p.schedule === 'dualpipe') {
    if (p.pipeline % 2 !== 0) report(ctx.sink, 'dualPipeOdd', { what: 'number of pipeline stages', value: p.pipeline }, deploymentSpan(d, 'parallel.pipeline'), { help: 'DualPipe feeds micro-batches from both ends of the pipeline, so its stages pair up' });
    else if (m % 2 !== 0) report(ctx.sink, 'dualPipeOdd', { what: 'number of micro-batches', value: m }, deploymentSpan(d, 'batch'), { help: 'DualPipe sends half the micro-batches each way' });
  }
  const step = stepOf(d, prec, m, ctx);
  const tokensPerStep = d.batch * d.sequence;
  const fl = flopsPerToken(d.model, d.sequence);
  const peak = gpu.peak.bf16 ?? gpu.peak.fp16 ?? Math.max(...Object.values(gpu.peak));
  const mfu = {
    causal: modelFlopsUtilization(fl.trainPerToken, tokensPerStep, step.seconds, d.cluster.gpus, peak),
    nonCausal: modelFlopsUtilization(fl.trainPerTokenNonCausal, tokensPerStep, step.seconds, d.cluster.gpus, peak),
    of: gpu.peak.bf16 !== undefined ? 'bf16 peak' : gpu.peak.fp16 !== undefined ? 'fp16 peak' : 'highest declared peak',
  };
  const tokensPerDay = (tokensPerStep * SECONDS_PER_DAY) / step.seconds;
  const r = d.reference;
  return {
    precision: prec.policy,
    memory,
    step,
    tokensPerStep,
    tokensPerDay,
    tflopsPerGpu: { causal: mfu.causal * peak, nonCausal: mfu.nonCausal * peak },
    mfu,
    reference: r
      ? {
          source: r.source,
          stepSeconds: r.stepSeconds,
          mfu: r.mfu,
          mfuCausal: r.mfuCausal,
          tokensPerDay: r.tokensPerDay,
          error: { stepSeconds: rel(step.seconds, r.stepSeconds), mfu: rel(mfu.nonCausal, r.mfu), mfuCausal: rel(mfu.causal, r.mfuCausal), tokensPerDay: rel(tokensPerDay, r.tokensPerDay) },
        }
      : null,
  };
}

const sec = (x: number) => (x >= 1 ? `${x.toFixed(3)} s` : x >= 1e-3 ? `${(x * 1e3).toFixed(2)} ms` : `${(x * 1e6).toFixed(1)} µs`);
const err = (x: number | null) => (x === null ? '' : ` (${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%)`);

export const trainPass: DeploymentPass<TrainResult> = {
  name: 'train',
  title: 'Training model',
  run: (d, ctx) => (d.kind === 'train' ? modelTraining(d, ctx) : undefined),
  toJson: (r) => r,
  toMarkdown(r: TrainResult, d: DeploymentIR) {
    const m = r.memory;
    const s = r.step;
    const e = s.efficiency;
    const gpu = d.cluster.node.gpu.name;
    const out = [
      `**Memory per GPU** (busiest pipeline stage, ${r.precision} policy): ${m.fits ? 'fits' : '**does not fit**'} — ${si(m.total, 'B')} of ${si(m.capacity, 'B')}.`,
      '',
      '| | bytes |',
      '| --- | ---: |',
      `| weights (${int(m.params.held)} parameters${m.params.copies > 1 ? `, ${m.params.copies} copies` : ''}) | ${si(m.weights, 'B')} |`,
      `| gradients | ${si(m.gradients, 'B')} |`,
      `| optimizer states | ${si(m.optimizer, 'B')} |`,
      `| activations (${m.microBatchesInFlight} micro-batches in flight, ${si(m.activationBytesPerTokenPerLayer, 'B')} per token per layer) | ${si(m.activations, 'B')} |`,
      `| **total** | **${si(m.total, 'B')}** |`,
      '',
      `**Step time**: ${r.step.microBatches} micro-batches of ${int(s.tokensPerMicroBatch)} tokens; the busiest stage does ${percent(s.stageShare)} of the model. Efficiency of \`${gpu}\`: GEMMs ${percent(e.compute, 1)}${r.precision === 'fp8' ? ` (FP8 ${percent(e.fp8, 1)})` : ''}, attention ${percent(e.attention, 1)}, HBM ${percent(e.memory, 1)}${e.declared ? '' : ' (none declared: peak assumed)'}${s.computeSmShare < 1 ? `; ${percent(s.computeSmShare, 1)} of the SMs compute while the all-to-all runs` : ''}.`,
      '',
      '| per micro-batch and stage | time |',
      '| --- | ---: |',
      `| forward (F) | ${sec(s.chunk.forward)} |`,
      `| backward for inputs (B)${s.chunk.recompute > 0 ? `, recompute ${sec(s.chunk.recompute)}` : ''} | ${sec(s.chunk.backwardInput)} |`,
      `| backward for weights (W) | ${sec(s.chunk.backwardWeight)} |`,
      `| expert all-to-all, each way (${s.comm.remoteNodesPerToken.toFixed(2)} remote nodes and ${s.comm.scaleupCopiesPerToken.toFixed(2)} scale-up copies per token; ${s.comm.routingFrom}) | ${sec(s.comm.allToAllForward)} |`,
      ...(s.comm.tensorParallelPerChunk > 0 ? [`| tensor-parallel collectives | ${sec(s.comm.tensorParallelPerChunk)} |`] : []),
      ...(s.comm.pipelineP2pPerChunk > 0 ? [`| pipeline send/receive | ${sec(s.comm.pipelineP2pPerChunk)} |`] : []),
      ...(s.pairSeconds !== null ? [`| overlapped forward-backward pair (F&B) | ${sec(s.pairSeconds)} |`] : []),
      '',
      '| per step | time |',
      '| --- | ---: |',
      `| pipeline, busy (${d.parallel.schedule}${s.overlapped ? ', all-to-all overlapped' : ', communication not overlapped'}) | ${sec(s.pipelineBusy)} |`,
      `| pipeline bubble | ${sec(s.bubble)} |`,
      `| data-parallel gradient sync (${s.dataParallelSync.method}, ${si(s.dataParallelSync.bytesPerGpu, 'B')} per GPU${s.dataParallelSync.method === 'hfreduce' ? `; a ring would take ${sec(s.dataParallelSync.ringSeconds)}` : ''}) | ${sec(s.dataParallelSync.seconds)} |`,
      `| optimizer | ${sec(s.optimizer)} |`,
      `| **step** | **${sec(s.seconds)}**${err(r.reference?.error.stepSeconds ?? null)} |`,
      '',
      `Throughput: ${si(r.tokensPerDay, 'tokens/day')}${err(r.reference?.error.tokensPerDay ?? null)}; ${(r.tflopsPerGpu.nonCausal / 1e12).toFixed(0)} / ${(r.tflopsPerGpu.causal / 1e12).toFixed(0)} TFLOP/s per GPU (non-causal / causal); MFU ${percent(r.mfu.nonCausal)}${err(r.reference?.error.mfu ?? null)} non-causal, ${percent(r.mfu.causal)}${err(r.reference?.error.mfuCausal ?? null)} causal, of the ${r.mfu.of}.`,
    ];
    const ref = r.reference;
    if (ref) {
      const row = (what: string, pred: string, pub: string | null, e: number | null) => (pub === null ? [] : [`| ${what} | ${pred} | ${pub} | ${err(e).trim().replace(/[()]/g, '')} |`]);
      out.push(
        '',
        `Against the published figures${ref.source ? ` (${ref.source})` : ''}; they are a comparison only and feed nothing above:`,
        '',
        '| | predicted | published | error |',
        '| --- | ---: | ---: | ---: |',
        ...row('step', sec(s.seconds), ref.stepSeconds === null ? null : sec(ref.stepSeconds), ref.error.stepSeconds),
        ...row('MFU, non-causal', percent(r.mfu.nonCausal), ref.mfu === null ? null : percent(ref.mfu), ref.error.mfu),
        ...row('MFU, causal', percent(r.mfu.causal), ref.mfuCausal === null ? null : percent(ref.mfuCausal), ref.error.mfuCausal),
        ...row('tokens per day', si(r.tokensPerDay, ''), ref.tokensPerDay === null ? null : si(ref.tokensPerDay, ''), ref.error.tokensPerDay),
      );
    }
    return out.join('\n');
  },
};
