/**
 * FLOPs per token. Method (docs/formulas.md): a matrix multiply costs 2 FLOP per weight per token, so
 * the forward pass costs 2 × the weights a token multiplies by (activated parameters less the
 * embedding lookup, plus the head when it is tied to the embedding), plus attention's score and value
 * products. Training costs 3 × forward (backward = 2 × forward), the convention of Kaplan et al. and of
 * the ISCA paper's Table 2.
 */
import type { ModelIR } from '../ir/model.js';
import { countParams } from './params.js';

/** Query·key and attention·value widths of one head, for the score and value products. */
export function attentionHeadWidths(model: ModelIR): { qk: number; v: number; heads: number } {
  const a = model.attention;
  if (a.kind === 'mla') return { qk: a.qkNopeDim + a.qkRopeDim, v: a.vDim, heads: a.heads };
  return { qk: a.headDim, v: a.headDim, heads: a.heads };
}

/**
 * Forward attention FLOPs per token per layer at context length `seq`: 2·n·(d_qk + d_v)·seq without a
 * mask; with a causal mask a token attends on average to half the sequence, so half that.
 */
export function attentionFlopsPerTokenPerLayer(model: ModelIR, seq: number, causal: boolean): number {
  const { qk, v, heads } = attentionHeadWidths(model);
  const full = 2 * heads * (qk + v) * seq;
  return causal ? full / 2 : full;
}

export interface FlopsPerToken {
  readonly sequence: number;
  /** 2 × weights multiplied per token. */
  readonly forwardMatmul: number;
  readonly forwardAttentionCausal: number;
  readonly forwardAttentionNonCausal: number;
  /** Forward with a causal mask. */
  readonly forwardPerToken: number;
  /** 3 × forward, causal. */
  readonly trainPerToken: number;
  readonly trainPerTokenNonCausal: number;
}

export function flopsPerToken(model: ModelIR, sequence: number): FlopsPerToken {
  const p = countParams(model);
  const matmulWeights = p.activatedNonEmbedding + (model.tiedEmbeddings ? p.breakdown.embedding : 0);
  const forwardMatmul = 2 * matmulWeights;
  const causal = model.layers * attentionFlopsPerTokenPerLayer(model, sequence, true);
  const nonCausal = model.layers * attentionFlopsPerTokenPerLayer(model, sequence, false);
  return {
    sequence,
    forwardMatmul,
    forwardAttentionCausal: causal,
    forwardAttentionNonCausal: nonCausal,
    forwardPerToken: forwardMatmul + causal,
    trainPerToken: 3 * (forwardMatmul + causal),
    trainPerTokenNonCausal: 3 * (forwardMatmul + nonCausal),
  };
}
