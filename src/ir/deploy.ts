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

/** The `routing { … }` block: the node limit and the settings of the Monte Carlo routing estimate. */
export interface RoutingSettings {
  /** Std of the per-expert logit offset that skews expert popularity (0: uniform routing). */
  readonly skew: number;
  readonly samples: number;
  readonly seed: number;
  /** InfiniBand bytes per token per MoE layer, dispatch + combine; null when not declared. */
  readonly ibBudget: number | null;
}

/** `train { balance_sim { … } }`: the synthetic routing the load-balancing controller runs on. */
export interface BalanceSimSettings {
  readonly steps: number;
  /** Tokens per batch; the deployment's batch × sequence unless declared. */
  readonly tokens: number;
  readonly skew: number;
  readonly drift: number;
  readonly seed: number;
  readonly tolerance: number;
}

/** `train { reference { … } }`: measured figures, SI units; each null when not declared. */
export interface TrainReference {
  readonly stepSeconds: number | null;
  /** Of the BF16 peak, attention counted without the causal mask. */
  readonly mfu: number | null;
  readonly mfuCausal: number | null;
  readonly tokensPerDay: number | null;
  readonly source: string | null;
}

interface DeploymentCommon {
  readonly name: string;
  readonly span: Span;
  /** Where each written field is, by dotted path (`sequence`, `parallel.expert`), for diagnostics. */
  readonly spans: Readonly<Record<string, Span>>;
  /** The `placement { … }` block; null when absent (the placement pass then does not run). */
  readonly placement: PlacementSpec | null;
}

/** What a `placement` block asks for (src/passes/placement.ts). */
export interface PlacementSpec {
  /** The loads file as written (relative to the .kas file that names it), or null. */
  readonly loads: string | null;
  readonly synthetic: { readonly kind: 'zipf'; readonly exponent: number } | { readonly kind: 'lognormal'; readonly sigma: number } | null;
  readonly seed: number;
  /** Physical slots; null means the routed experts rounded up to a multiple of the GPUs. */
  readonly slots: number | null;
  readonly policy: 'default' | 'eplb' | 'traffic';
  readonly span: Span;
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
  readonly routing: RoutingSettings;
  /** Published figures of this run, a comparison target only (`reference { … }`). */
  readonly reference: TrainReference | null;
  readonly balanceSim: BalanceSimSettings;
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
  readonly routing: RoutingSettings;
}

export type DeploymentIR = TrainIR | ServeIR;

export interface ProgramIR {
  readonly models: readonly ModelIR[];
  readonly gpus: readonly import('./hardware.js').GpuIR[];
  readonly nodes: readonly import('./hardware.js').NodeIR[];
  readonly clusters: readonly ClusterIR[];
  readonly deployments: readonly DeploymentIR[];
  /** The entry file's `search` blocks (src/ir/search.ts), in source order. */
  readonly searches?: readonly import('./search.js').SearchIR[];
}
