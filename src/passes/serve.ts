/**
 * The serving model, for `serve` deployments in the decode phase: time per output token (TPOT) from
 * three lower bounds — the expert-parallel all-to-all (ISCA '25 §2.3.2, generalized), HBM reads
 * (weights and KV cache per step) and compute — which of them binds, and how many tokens' KV cache fit
 * beside the weights. Formulas in src/cost/serve.ts and docs/formulas.md (Serving model).
 *
 * Per-GPU layout: `tensor` splits every non-routed weight (attention, dense FFN, shared experts, router,
 * head), `expert` splits the routed experts, `pipeline` splits the layers (residency only: a token still
 * passes every layer, so the TPOT sums them all). Each GPU decodes `tokens_per_device` requests per
 * micro-batch and keeps their KV cache.
 */
import type { DeploymentIR, ServeIR } from '../ir/deploy.js';
import type { DeploymentPass, PassContext } from './pass.js';
import { deploymentSpan } from './pass.js';
import { report } from '../diagnostics/codes.js';
import { countParams, ffnParams, layerParams } from '../cost/params.js';
import { attentionHeadWidths } from '../cost/flops.js';
import { kvElementsPerTokenPerLayer } from '../cost/memory.js';
import {
  allToAllBytesPerDevice,
  decodeAttentionFlops,
  decodePeak,
  dtypeBytes,
  expectedExpertsTouched,
  expertGroupsFitNvlink,
  kvBytesPerTokenPerGpu,
  kvCapacityTokens,
  microBatches,
  nicBandwidthPerGpu,
  tpotFromBounds,
  transferSeconds,
} from '../cost/serve.js';
import { int, si } from '../emit/report/format.js';

export type Binding = 'comm' | 'hbm' | 'compute';

export interface ServeResult {
  readonly tpotSeconds: number;
  readonly tokensPerSecond: number;
  readonly binding: Binding;
  /** Tokens every GPU emits per second: micro-batches × tokens per device ÷ TPOT. */
  readonly tokensPerSecondPerGpu: number;
  readonly tokensPerDevice: number;
  readonly tokensPerDeviceFrom: 'declared' | 'default';
  readonly microBatches: number;
  readonly overlapped: boolean;
  readonly bounds: {
    readonly comm: {
      readonly tpotSeconds: number;
      /** 1 / TPOT of this bound alone (ISCA's "≈ 67 tokens/s"); null when there is no all-to-all. */
      readonly tokensPerSecond: number | null;
      /** One micro-batch's all-to-all in one layer. */
      readonly perLayerSeconds: number;
      readonly bytesPerLayer: number;
      readonly expertsPerToken: number;
      readonly link: 'nic' | 'nvlink' | 'none';
      readonly bandwidth: number | null;
      /** ISCA charges every layer an all-to-all; this counts only the MoE layers. */
      readonly layersCharged: number;
      readonly moeLayersOnlyTpotSeconds: number;
      /** At the link's declared achievable/effective bandwidth, when there is one. */
      readonly atAchievableTpotSeconds: number | null;
    };
    readonly hbm: { readonly tpotSeconds: number; readonly weightBytesPerStep: number; readonly kvBytesPerStep: number; readonly bandwidth: number };
    readonly compute: { readonly tpotSeconds: number; readonly flopsPerStep: number; readonly peakDtype: string; readonly peakFlopsPerSecond: number } | null;
  };
  readonly memory: {
    readonly weightBytesPerGpu: number;
    readonly freeBytesPerGpu: number;
    readonly kvBytesPerTokenPerGpu: number;
    /** Tokens of context whose KV cache fits beside the weights, per GPU. */
    readonly kvCapacityTokensPerGpu: number;
    readonly context: number | null;
    /** Requests of `context` tokens that fit, per GPU; null without a context. */
    readonly kvCapacityRequestsPerGpu: number | null;
    /** KV bytes of the requests in flight (micro-batches × tokens per device × context), per GPU. */
    readonly inFlightKvBytesPerGpu: number | null;
  };
}

/** The whole model for one decode deployment. Diagnostics (weights or KV that do not fit) go to the sink. */
export function serveModel(d: ServeIR, ctx: PassContext): ServeResult | undefined {
  const model = d.model;
  const cluster = d.cluster;
  const gpu = cluster.node.gpu;
  const p = d.parallel;
  const moe = model.moe;
  const tpd = d.tokensPerDevice ?? 1;
  const m = microBatches(d.overlap);
  const wb = dtypeBytes(d.weights);
  const kvb = dtypeBytes(d.kvCache);
  const ep = moe ? p.expert : 1;
  const t = p.tensor;

  // ── all-to-all (ISCA §2.3.2) ──
  const expertsPerToken = moe ? moe.topK + moe.shared.count : 0;
  const bytesPerLayer = moe && ep > 1 ? allToAllBytesPerDevice(tpd, expertsPerToken, model.hidden, dtypeBytes(d.dispatch), dtypeBytes(d.combine)) : 0;
  const su = cluster.node.scaleup;
  const groups = Math.max(1, Math.floor((p.data * t) / ep));
  const onNvlink = su.kind === 'nvlink' && expertGroupsFitNvlink(ep, groups, su.domain, cluster.gpus);
  const nic = cluster.node.nic;
  const link: 'nic' | 'nvlink' | 'none' = bytesPerLayer === 0 ? 'none' : onNvlink ? 'nvlink' : 'nic';
  const bandwidth = link === 'none' ? null : link === 'nvlink' ? su.bandwidth : nicBandwidthPerGpu(nic.count, nic.bandwidth, cluster.node.gpuCount);
  const achievable = link === 'nvlink' ? su.achievable : link === 'nic' && nic.effective !== null ? nicBandwidthPerGpu(nic.count, nic.effective, cluster.node.gpuCount) : null;
  const perLayerSeconds = bandwidth === null ? 0 : transferSeconds(bytesPerLayer, bandwidth);
  const moeLayers = moe ? moe.layers.length : 0;
  const commLayers = bytesPerLayer === 0 ? 0 : model.layers;
  const comm = m * commLayers * perLayerSeconds;

  // ── HBM and compute, layer by layer ──
  const expertParams = moe ? ffnParams(model.hidden, moe.expert) : 0;
  const expertsHeld = moe ? moe.routed / ep : 0;
  const touched = moe ? expectedExpertsTouched(expertsHeld, moe.routed, moe.topK, tpd * ep) : 0;
  const kvElems = kvElementsPerTokenPerLayer(model);
  const kvSplit = model.attention.kind === 'mla' ? 1 : Math.min(t, model.attention.kvHeads);
  const { qk, v, heads } = attentionHeadWidths(model);
  const context = d.context;
  let weightBytes = 0;
  let kvBytes = 0;
  let flops = 0;
  for (let i = 0; i < model.layers; i++) {
    const l = layerParams(model, i).total;
    const nonRouted = l.attention + l.norms + l.denseFfn + l.sharedExperts + l.router;
    const isMoe = l.experts > 0;
    weightBytes += (nonRouted / t) * wb + (isMoe ? touched * expertParams * wb : 0);
    if (context !== null) kvBytes += (tpd * context * kvElems * kvb) / kvSplit;
    flops += 2 * tpd * (nonRouted / t) + (isMoe ? 2 * tpd * moe!.topK * expertParams : 0);
    if (context !== null) flops += tpd * decodeAttentionFlops(heads / t, qk, v, context);
  }
  const headParams = model.vocab * model.hidden;
  weightBytes += (headParams / t) * wb;
  flops += (2 * tpd * headParams) / t;
  const hbm = (m * (weightBytes + kvBytes)) / gpu.hbmBytesPerSecond;
  const peak = decodePeak(gpu.peak, d.weights);
  const compute = peak ? (m * flops) / peak.flopsPerSecond : 0;

  const overlapped = m > 1;
  const tpot = tpotFromBounds(comm, hbm, compute, overlapped);
  const candidates: [Binding, number][] = [
    ['comm', comm],
    ['hbm', hbm],
    ['compute', compute],
  ];
  const binding = candidates.reduce((a, b) => (b[1] > a[1] ? b : a))[0];

  // ── memory ──
  const params = countParams(model);
  const routedTotal = moe ? moeLayers * moe.routed * expertParams : 0;
  const weightBytesPerGpu = (((params.total - routedTotal) / (t * p.pipeline)) + routedTotal / (ep * p.pipeline)) * wb;
  const freeBytes = gpu.memoryBytes - weightBytesPerGpu;
  const kvPerToken = kvBytesPerTokenPerGpu(model, kvElems * model.layers * kvb, p.pipeline, t);
  const capacity = kvCapacityTokens(freeBytes, kvPerToken);
  const inFlight = context === null ? null : m * tpd * context * kvPerToken;
  if (freeBytes < 0) {
    report(ctx.sink, 'serveWeightsDoNotFit', { need: si(weightBytesPerGpu, 'B'), memory: si(gpu.memoryBytes, 'B') }, deploymentSpan(d, 'weights'), {
      help: `split the weights further (\`parallel { expert = … tensor = … pipeline = … }\`) or store them in a narrower type`,
    });
  } else if (inFlight !== null && inFlight > freeBytes) {
    report(ctx.sink, 'serveKvDoesNotFit', { need: si(inFlight, 'B'), free: si(freeBytes, 'B') }, deploymentSpan(d, 'context'), {
      help: `at most ${int(Math.floor(capacity / context!))} requests of ${int(context!)} tokens fit per GPU; lower \`tokens_per_device\` or \`context\`, or use a narrower \`kv_cache\``,
    });
  }

  return {
    tpotSeconds: tpot,
    tokensPerSecond: 1 / tpot,
    binding,
    tokensPerSecondPerGpu: (m * tpd) / tpot,
    tokensPerDevice: tpd,
    tokensPerDeviceFrom: d.tokensPerDevice === null ? 'default' : 'declared',
    microBatches: m,
    overlapped,
    bounds: {
      comm: {
        tpotSeconds: comm,
        tokensPerSecond: comm > 0 ? 1 / comm : null,
        perLayerSeconds,
        bytesPerLayer,
        expertsPerToken,
        link,
        bandwidth,
        layersCharged: commLayers,
        moeLayersOnlyTpotSeconds: bytesPerLayer === 0 ? 0 : m * moeLayers * perLayerSeconds,
        atAchievableTpotSeconds: achievable === null || bytesPerLayer === 0 ? null : m * commLayers * transferSeconds(bytesPerLayer, achievable),
      },
      hbm: { tpotSeconds: hbm, weightBytesPerStep: m * weightBytes, kvBytesPerStep: m * kvBytes, bandwidth: gpu.hbmBytesPerSecond },
      compute: peak ? { tpotSeconds: compute, flopsPerStep: m * flops, peakDtype: peak.dtype, peakFlopsPerSecond: peak.flopsPerSecond } : null,
    },
    memory: {
      weightBytesPerGpu,
      freeBytesPerGpu: freeBytes,
      kvBytesPerTokenPerGpu: kvPerToken,
      kvCapacityTokensPerGpu: capacity,
      context,
      kvCapacityRequestsPerGpu: context === null ? null : Math.floor(capacity / context),
      inFlightKvBytesPerGpu: inFlight,
    },
  };
}

/** `14.76 ms`, `6.72 µs`. */
function time(s: number): string {
  if (s >= 1) return `${s.toFixed(3)} s`;
  if (s >= 1e-3) return `${(s * 1e3).toFixed(2)} ms`;
  return `${(s * 1e6).toFixed(2)} µs`;
}

const BOUND_LABEL: Record<Binding, string> = { comm: 'all-to-all', hbm: 'HBM', compute: 'compute' };

export const servePass: DeploymentPass<ServeResult> = {
  name: 'serve',
  title: 'Serving model (decode)',
  run(d: DeploymentIR, ctx: PassContext) {
    if (d.kind !== 'serve') return undefined;
    if (d.phase !== 'decode') {
      report(ctx.sink, 'servePrefillNotModelled', {}, deploymentSpan(d, 'phase'), { help: 'write `phase = decode` for time-per-token bounds' });
      return undefined;
    }
    return serveModel(d, ctx);
  },
  toJson(r) {
    return r;
  },
  toMarkdown(r, deployment) {
    const d = deployment as ServeIR;
    const c = r.bounds.comm;
    const h = r.bounds.hbm;
    const k = r.bounds.compute;
    const mem = r.memory;
    const mark = (b: Binding) => (r.binding === b ? ' **(binds)**' : '');
    const linkText =
      c.link === 'none'
        ? 'No expert-parallel all-to-all (no MoE, or expert parallelism 1).'
        : `All-to-all over ${c.link === 'nvlink' ? 'NVLink (the expert-parallel group fits in one NVLink domain)' : 'the scale-out NICs (the expert-parallel group spans nodes)'} at ${si(c.bandwidth!, 'B/s')} per GPU.`;
    const rows: (string | number)[][] = [
      [`all-to-all${mark('comm')}`, time(c.tpotSeconds), c.link === 'none' ? '—' : `${r.microBatches} × ${c.layersCharged} layers × ${time(c.perLayerSeconds)} (${si(c.bytesPerLayer, 'B')} per layer over ${si(c.bandwidth!, 'B/s')})`],
      [`HBM${mark('hbm')}`, time(h.tpotSeconds), `${si(h.weightBytesPerStep, 'B')} weights + ${si(h.kvBytesPerStep, 'B')} KV per step over ${si(h.bandwidth, 'B/s')}`],
      [`compute${mark('compute')}`, k ? time(k.tpotSeconds) : '—', k ? `${si(k.flopsPerStep, 'FLOP')} per step at ${k.peakDtype} peak ${si(k.peakFlopsPerSecond, 'FLOP/s')}` : 'no peak declared'],
    ];
    const out = [
      `**TPOT ${time(r.tpotSeconds)}** (${r.tokensPerSecond.toFixed(1)} tokens/s per request), bound by ${BOUND_LABEL[r.binding]}; ${int(r.tokensPerSecondPerGpu)} tokens/s per GPU.`,
      '',
      `${r.tokensPerDevice} token${r.tokensPerDevice === 1 ? '' : 's'} per device per micro-batch${r.tokensPerDeviceFrom === 'default' ? ' (`tokens_per_device` not set: 1 assumed)' : ''}, ${r.microBatches} micro-batch${r.microBatches === 1 ? '' : 'es'}${r.overlapped ? ' overlapping compute with communication, so the slowest bound binds' : ', no overlap: TPOT = all-to-all + max(HBM, compute)'}. ${linkText}`,
      '',
      '| bound | TPOT | how |',
      '| --- | ---: | --- |',
      ...rows.map((x) => `| ${x.join(' | ')} |`),
    ];
    if (c.link !== 'none') {
      out.push(
        '',
        `Each token goes to ${c.expertsPerToken} experts (top-${d.model.moe!.topK} routed + ${d.model.moe!.shared.count} shared), dispatched in ${d.dispatch} and combined in ${d.combine}. The all-to-all alone allows ${c.tokensPerSecond!.toFixed(1)} tokens/s per request. ISCA §2.3.2 charges all ${c.layersCharged} layers an all-to-all; the MoE layers alone give ${time(c.moeLayersOnlyTpotSeconds)}${c.atAchievableTpotSeconds !== null ? `; at the link's achievable bandwidth, ${time(c.atAchievableTpotSeconds)}` : ''}.`,
      );
    }
    out.push(
      '',
      `KV cache: ${si(mem.weightBytesPerGpu, 'B')} of weights per GPU leave ${si(mem.freeBytesPerGpu, 'B')}, room for ${int(mem.kvCapacityTokensPerGpu)} tokens at ${si(mem.kvBytesPerTokenPerGpu, 'B', 3)} per token (${d.kvCache})${mem.context !== null ? `: ${int(mem.kvCapacityRequestsPerGpu!)} requests of ${int(mem.context)} tokens per GPU` : '; no `context` set, so KV reads are not counted in the HBM bound'}.`,
    );
    return out.join('\n');
  },
};
