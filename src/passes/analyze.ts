/**
 * The first analysis pass: what each model costs (parameters, FLOPs, KV cache, weight memory) and
 * what each cluster's network takes. The co-design passes (precision, routing, placement, balance,
 * training and serving models) slot in after it.
 */
import type { ModelIR } from '../ir/model.js';
import type { ClusterIR } from '../ir/hardware.js';
import type { DeploymentIR, ProgramIR } from '../ir/deploy.js';
import { countParams, type ParamCounts } from '../cost/params.js';
import { flopsPerToken, type FlopsPerToken } from '../cost/flops.js';
import { kvCacheBytesPerToken, kvElementsPerTokenPerLayer, weightBytes } from '../cost/memory.js';
import { networkReport, type NetworkReport } from '../cost/network.js';
import type { PassResult } from './pass.js';

/** Context length for attention FLOPs when no training run fixes one: the 4K of ISCA Table 2. */
export const DEFAULT_SEQUENCE = 4096;

export interface ModelAnalysis {
  readonly model: ModelIR;
  readonly params: ParamCounts;
  readonly flops: FlopsPerToken;
  /** Where the sequence length came from: a training deployment's name, or the default. */
  readonly sequenceFrom: string;
  readonly kvCache: { readonly elementsPerTokenPerLayer: number; readonly bytesPerToken: Record<'bf16' | 'fp8' | 'fp32', number> };
  readonly weightBytes: Record<'fp32' | 'bf16' | 'fp8', number>;
}

export interface ClusterAnalysis {
  readonly cluster: ClusterIR;
  readonly network: NetworkReport | null;
}

export interface Analysis {
  readonly models: readonly ModelAnalysis[];
  readonly clusters: readonly ClusterAnalysis[];
  readonly deployments: readonly DeploymentIR[];
  /** What each co-design pass found for each deployment, in pass order. */
  readonly passResults: ReadonlyMap<DeploymentIR, readonly PassResult[]>;
  /** The entry file's `search` blocks as declared (the search itself runs only in `kasc search`). */
  readonly searches?: readonly import('../ir/search.js').SearchIR[];
}

export function analyzeModel(model: ModelIR, deployments: readonly DeploymentIR[]): ModelAnalysis {
  const params = countParams(model);
  const train = deployments.find((d) => d.kind === 'train' && d.model === model);
  const sequence = train?.kind === 'train' ? train.sequence : DEFAULT_SEQUENCE;
  return {
    model,
    params,
    flops: flopsPerToken(model, sequence),
    sequenceFrom: train ? `train ${train.name}` : 'default',
    kvCache: {
      elementsPerTokenPerLayer: kvElementsPerTokenPerLayer(model),
      bytesPerToken: { bf16: kvCacheBytesPerToken(model, 'bf16'), fp8: kvCacheBytesPerToken(model, 'fp8'), fp32: kvCacheBytesPerToken(model, 'fp32') },
    },
    weightBytes: { fp32: weightBytes(params.total, 'fp32'), bf16: weightBytes(params.total, 'bf16'), fp8: weightBytes(params.total, 'fp8') },
  };
}

export function analyzeProgram(ir: ProgramIR, passResults: ReadonlyMap<DeploymentIR, readonly PassResult[]> = new Map()): Analysis {
  return {
    models: ir.models.map((m) => analyzeModel(m, ir.deployments)),
    clusters: ir.clusters.map((c) => ({ cluster: c, network: networkReport(c) })),
    deployments: ir.deployments,
    passResults,
    ...(ir.searches?.length ? { searches: ir.searches } : {}),
  };
}
