/** The typed model IR: an architecture with every default resolved, every count an integer. */
import type { Span } from '../diagnostics/diagnostic.js';

export type NormKind = 'rmsnorm' | 'layernorm';
export type FfnKind = 'swiglu' | 'gelu';

export interface Ffn {
  readonly kind: FfnKind;
  readonly intermediate: number;
  readonly bias: boolean;
}

export type Attention =
  | {
      readonly kind: 'mha' | 'gqa' | 'mqa';
      readonly heads: number;
      readonly kvHeads: number;
      readonly headDim: number;
      readonly qkvBias: boolean;
      readonly oBias: boolean;
    }
  | {
      readonly kind: 'mla';
      readonly heads: number;
      /** null when queries are projected directly (DeepSeek-V2-Lite). */
      readonly qLoraRank: number | null;
      readonly kvLoraRank: number;
      readonly qkNopeDim: number;
      readonly qkRopeDim: number;
      readonly vDim: number;
    };

export interface Moe {
  /** Indices of the MoE layers, ascending. */
  readonly layers: readonly number[];
  readonly routed: number;
  readonly expert: Ffn;
  readonly shared: { readonly count: number; readonly ffn: Ffn };
  readonly topK: number;
  /** A sigmoid gate (hidden → 1) on the shared experts' output (Qwen2-MoE); absent means none. */
  readonly sharedGate?: boolean;
  readonly router: { readonly score: 'softmax' | 'sigmoid'; readonly scale: number; readonly normalize: boolean };
  readonly groups: { readonly count: number; readonly choose: number } | null;
  readonly balance: { readonly kind: 'none' } | { readonly kind: 'aux_loss'; readonly alpha: number; readonly sequence: boolean } | { readonly kind: 'bias_update'; readonly rate: number };
}

/** Rotary position embedding: no parameters, no KV-cache effect; carried for configs and engines. */
export interface Rope {
  readonly theta: number;
  readonly scaling:
    | { readonly kind: 'none' }
    | { readonly kind: 'linear' | 'dynamic'; readonly factor: number }
    | { readonly kind: 'yarn'; readonly factor: number; readonly originalContext: number; readonly betaFast: number; readonly betaSlow: number; readonly mscale: number; readonly mscaleAllDim: number }
    | { readonly kind: 'llama3'; readonly factor: number; readonly originalContext: number; readonly lowFreqFactor: number; readonly highFreqFactor: number };
}

export interface ModelIR {
  readonly name: string;
  readonly span: Span;
  readonly vocab: number;
  readonly hidden: number;
  readonly layers: number;
  readonly norm: { readonly kind: NormKind; readonly eps: number };
  readonly tiedEmbeddings: boolean;
  readonly context: number | null;
  readonly attention: Attention;
  /** The FFN of dense layers; null when every layer is MoE. */
  readonly ffn: Ffn | null;
  readonly moe: Moe | null;
  readonly mtpDepth: number;
  /** The `rope { … }` block; null or absent when not written. */
  readonly rope?: Rope | null;
}
