/** The typed deployment IR: training runs and serving deployments, linked to their model and cluster. */
import type { Span } from '../diagnostics/diagnostic.js';
import type { ModelIR } from './model.js';
import type { ClusterIR } from './hardware.js';

export interface Parallel {
  readonly pipeline: number;
  readonly schedule: '1f1b' | 'interleaved' | 'dualpipe' | 'gpipe';
  readonly virtualStages: number;
  readonly expert: number;
  readonly tensor: number;
  /** Data-parallel replicas; `auto` resolved to fill the cluster. */
  readonly data: number;
  readonly dataAuto: boolean;
  readonly zero: number;
  readonly sequenceParallel: boolean;
  readonly microBatch: number;
}

export type Precision =
  | { readonly kind: 'bf16' }
  | { readonly kind: 'auto' }
  | { readonly kind: 'fp8'; readonly activationTile: readonly [number, number]; readonly weightBlock: readonly [number, number]; readonly promoteInterval: number };

interface DeploymentCommon {
  readonly name: string;
  readonly span: Span;
  /** Where each written field is, by dotted path (`sequence`, `parallel.expert`), for diagnostics. */
  readonly spans: Readonly<Record<string, Span>>;
}

export interface TrainIR extends DeploymentCommon {
  readonly kind: 'train';
  readonly model: ModelIR;
  readonly cluster: ClusterIR;
  readonly sequence: number;
  readonly batch: number;
  readonly tokens: number | null;
  readonly parallel: Parallel;
  readonly precision: Precision;
  readonly recompute: 'none' | 'selective' | 'full';
  readonly maxNodes: number | null;
}

export interface ServeIR extends DeploymentCommon {
  readonly kind: 'serve';
  readonly model: ModelIR;
  readonly cluster: ClusterIR;
  readonly phase: 'decode' | 'prefill';
  readonly tokensPerDevice: number | null;
  readonly context: number | null;
  readonly weights: string;
  readonly kvCache: string;
  readonly dispatch: string;
  readonly combine: string;
  readonly overlap: 'none' | 'dual_microbatch';
  readonly parallel: Parallel;
  readonly maxNodes: number | null;
}

export type DeploymentIR = TrainIR | ServeIR;

export interface ProgramIR {
  readonly models: readonly ModelIR[];
  readonly gpus: readonly import('./hardware.js').GpuIR[];
  readonly nodes: readonly import('./hardware.js').NodeIR[];
  readonly clusters: readonly ClusterIR[];
  readonly deployments: readonly DeploymentIR[];
}
