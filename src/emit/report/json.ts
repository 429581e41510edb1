/**
 * report.json — the machine-readable report (schema `kasc.report/v1`). Keys are a stable interface:
 * add freely, never rename. Integers are exact counts; rates are in SI base units.
 */
import type { Analysis, ModelAnalysis, ClusterAnalysis } from '../../passes/analyze.js';
import type { DeploymentIR } from '../../ir/deploy.js';
import type { PassResult } from '../../passes/pass.js';
import { declaredSearchJson } from '../search/declared.js';
import { VERSION } from '../../version.js';

export const REPORT_SCHEMA = 'kasc.report/v1';

function modelJson(m: ModelAnalysis) {
  const p = m.params;
  const model = m.model;
  const a = model.attention;
  return {
    architecture: {
      vocab: model.vocab,
      hidden: model.hidden,
      layers: model.layers,
      denseLayers: p.denseLayers,
      moeLayers: p.moeLayers,
      attention: a.kind === 'mla'
        ? { kind: a.kind, heads: a.heads, qLoraRank: a.qLoraRank, kvLoraRank: a.kvLoraRank, qkNopeDim: a.qkNopeDim, qkRopeDim: a.qkRopeDim, vDim: a.vDim }
        : { kind: a.kind, heads: a.heads, kvHeads: a.kvHeads, headDim: a.headDim, qkvBias: a.qkvBias },
      ...(model.moe
        ? {
            moe: {
              routed: model.moe.routed,
              shared: model.moe.shared.count,
              topK: model.moe.topK,
              expertIntermediate: model.moe.expert.intermediate,
              router: model.moe.router.score,
              groups: model.moe.groups,
              balance: model.moe.balance.kind,
            },
          }
        : {}),
      tiedEmbeddings: model.tiedEmbeddings,
    },
    params: {
      total: p.total,
      activated: p.activated,
      activatedNonEmbedding: p.activatedNonEmbedding,
      breakdown: p.breakdown,
      activatedBreakdown: p.activatedBreakdown,
      ...(p.mtp ? { mtp: p.mtp } : {}),
    },
    kvCache: {
      bytesPerToken: m.kvCache.bytesPerToken.bf16,
      dtype: 'bf16',
      elementsPerTokenPerLayer: m.kvCache.elementsPerTokenPerLayer,
      bytesPerTokenByDtype: m.kvCache.bytesPerToken,
    },
    flops: {
      forwardPerToken: m.flops.forwardPerToken,
      trainPerToken: m.flops.trainPerToken,
      trainPerTokenNonCausal: m.flops.trainPerTokenNonCausal,
      forwardMatmulPerToken: m.flops.forwardMatmul,
      forwardAttentionPerToken: m.flops.forwardAttentionCausal,
      sequence: m.flops.sequence,
      sequenceFrom: m.sequenceFrom,
      method: '2 FLOP per activated weight per token (embedding lookup excluded) + causal attention 2·n·(d_qk+d_v)·seq/2 per layer; train = 3 × forward',
    },
    weightBytes: m.weightBytes,
  };
}

function clusterJson(c: ClusterAnalysis) {
  const cl = c.cluster;
  return {
    gpus: cl.gpus,
    nodes: cl.nodeCount,
    node: cl.node.name,
    gpu: cl.node.gpu.name,
    gpusPerNode: cl.node.gpuCount,
    nicsPerNode: cl.node.nic.count,
    hbmBytes: cl.gpus * cl.node.gpu.memoryBytes,
    peakFlopsPerSecond: Object.fromEntries(Object.entries(cl.node.gpu.peak).map(([k, v]) => [k, v * cl.gpus])),
    /** One GPU as declared (the roofline in report.html reads its peaks and HBM bandwidth). */
    gpuSpec: {
      memoryBytes: cl.node.gpu.memoryBytes,
      hbmBytesPerSecond: cl.node.gpu.hbmBytesPerSecond,
      peakFlopsPerSecond: cl.node.gpu.peak,
    },
    ...(c.network ? { network: c.network } : { network: { topology: cl.network.kind } }),
  };
}

/**
 * The deployment's settings, then one key per co-design pass that applied to it. A pass result may
 * take the key of the setting it expands: `precision` holds the precision pass's result, which keeps
 * the policy asked for (`precision.requested`) and its scaling tiles.
 */
function deploymentJson(d: DeploymentIR, results: readonly PassResult[]) {
  return { ...deploymentSettings(d), ...Object.fromEntries(results.map((r) => [r.pass.name, r.pass.toJson(r.result, d)])) };
}

function deploymentSettings(d: DeploymentIR) {
  const common = { kind: d.kind, model: d.model.name, cluster: d.cluster.name, gpus: d.cluster.gpus, parallel: d.parallel, maxNodes: d.maxNodes };
  if (d.kind === 'train') {
    return { ...common, sequence: d.sequence, batch: d.batch, tokensPerStep: d.sequence * d.batch, tokens: d.tokens, precision: d.precision, recompute: d.recompute };
  }
  return {
    ...common,
    phase: d.phase,
    tokensPerDevice: d.tokensPerDevice,
    context: d.context,
    dtypes: { weights: d.weights, kvCache: d.kvCache, dispatch: d.dispatch, combine: d.combine },
    overlap: d.overlap,
  };
}

export function reportJson(a: Analysis, source: string) {
  return {
    schema: REPORT_SCHEMA,
    generator: `kasc ${VERSION}`,
    source,
    models: Object.fromEntries(a.models.map((m) => [m.model.name, modelJson(m)])),
    clusters: Object.fromEntries(a.clusters.map((c) => [c.cluster.name, clusterJson(c)])),
    deployments: Object.fromEntries(a.deployments.map((d) => [d.name, deploymentJson(d, a.passResults.get(d) ?? [])])),
    ...(a.searches?.length ? { searches: Object.fromEntries(a.searches.map((s) => [s.name, declaredSearchJson(s)])) } : {}),
  };
}

export function renderReportJson(a: Analysis, source: string): string {
  return JSON.stringify(reportJson(a, source), null, 2) + '\n';
}
