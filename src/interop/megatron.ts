/**
 * `kasc emit megatron`: a `train` deployment → Megatron-Core `pretrain_gpt.py` arguments (Megatron-LM
 * `megatron/training/arguments.py`; names checked against core_r0.13–0.15, see docs/interop.md).
 */
import type { TrainIR } from '../ir/deploy.js';
import { ArgList, argNumber, moeLayerPattern, type LaunchConfig } from './launch.js';

export function megatronArgs(d: TrainIR): LaunchConfig {
  const m = d.model;
  const p = d.parallel;
  const a = m.attention;
  const moe = m.moe;
  const out = new ArgList('Megatron-Core', d);

  // The network's shape.
  out.add('--num-layers', m.layers).add('--hidden-size', m.hidden).add('--num-attention-heads', a.heads);
  out.add('--ffn-hidden-size', (m.ffn ?? moe!.expert).intermediate);
  out.add('--vocab-size', m.vocab);
  out.add('--max-position-embeddings', m.context ?? d.sequence);
  out.add('--normalization', m.norm.kind === 'rmsnorm' ? 'RMSNorm' : 'LayerNorm').add('--norm-epsilon', argNumber(m.norm.eps));
  const ffns = [m.ffn, moe?.expert, moe && moe.shared.count > 0 ? moe.shared.ffn : null].filter((f) => f !== null && f !== undefined);
  if (ffns.every((f) => f.kind === 'swiglu')) out.add('--swiglu');
  else if (ffns.some((f) => f.kind === 'swiglu')) out.cannot('SwiGLU in some FFNs and GeLU in others', 'Megatron-Core uses one activation for every MLP');
  const qkvBias = a.kind !== 'mla' && a.qkvBias;
  const oBias = a.kind !== 'mla' && a.oBias;
  const ffnBias = ffns.some((f) => f.bias);
  if (!qkvBias && !oBias && !ffnBias) out.add('--disable-bias-linear');
  else if (qkvBias && !oBias && !ffnBias) out.add('--disable-bias-linear').add('--add-qkv-bias');
  if (!m.tiedEmbeddings) out.add('--untie-embeddings-and-output-weights');
  out.add('--position-embedding-type', 'rope');
  if (m.rope) {
    out.add('--rotary-base', argNumber(m.rope.theta));
    const s = m.rope.scaling;
    if (s.kind === 'yarn') {
      out.add('--rope-type', 'yarn').add('--rotary-scaling-factor', argNumber(s.factor)).add('--mscale', argNumber(s.mscale)).add('--mscale-all-dim', argNumber(s.mscaleAllDim));
      if (s.originalContext !== 4096 || s.betaFast !== 32 || s.betaSlow !== 1) out.cannot('YaRN `original_context`, `beta_fast` or `beta_slow` other than 4096, 32 and 1', 'they are TransformerConfig fields (original_max_position_embeddings, beta_fast, beta_slow): set them in the config', 'model');
    } else if (s.kind === 'llama3') out.add('--use-rope-scaling').add('--rope-scaling-factor', argNumber(s.factor));
    else if (s.kind !== 'none') out.cannot(`\`${s.kind}\` RoPE scaling`, 'Megatron-Core scales RoPE with YaRN (MLA) or the Llama 3 rule only');
  }

  // Attention.
  if (a.kind === 'mla') {
    out.add('--multi-latent-attention');
    if (a.qLoraRank !== null) out.add('--q-lora-rank', a.qLoraRank);
    out.add('--kv-lora-rank', a.kvLoraRank); // always: Megatron's default is 32, not "absent"
    out.add('--qk-head-dim', a.qkNopeDim).add('--qk-pos-emb-head-dim', a.qkRopeDim).add('--v-head-dim', a.vDim);
  } else {
    if (a.kvHeads < a.heads) out.add('--group-query-attention').add('--num-query-groups', a.kvHeads);
    if (a.headDim * a.heads !== m.hidden) out.add('--kv-channels', a.headDim);
  }

  // Mixture of experts.
  if (moe) {
    out.add('--num-experts', moe.routed).add('--moe-ffn-hidden-size', moe.expert.intermediate);
    if (moe.shared.count > 0) out.add('--moe-shared-expert-intermediate-size', moe.shared.count * moe.shared.ffn.intermediate);
    if (moe.sharedGate) out.add('--moe-shared-expert-gate');
    out.add('--moe-layer-freq', moeLayerPattern(m));
    out.add('--moe-router-topk', moe.topK).add('--moe-router-score-function', moe.router.score);
    if (moe.router.score === 'softmax' && !moe.router.normalize) out.add('--moe-router-pre-softmax');
    if (moe.router.score === 'sigmoid' && !moe.router.normalize) out.cannot('sigmoid gate weights left unnormalized', 'Megatron-Core normalizes sigmoid top-k weights to sum to 1');
    if (moe.router.scale !== 1) out.add('--moe-router-topk-scaling-factor', argNumber(moe.router.scale));
    // Node-limited routing (the deployment's max_nodes) is group-limited routing with one group per node
    // of the expert-parallel group; otherwise the model's own expert groups.
    const perNode = d.cluster.node.gpuCount;
    if (d.maxNodes !== null) {
      out.add('--moe-router-num-groups', Math.ceil(p.expert / perNode)).add('--moe-router-group-topk', d.maxNodes);
      if (moe.groups && (moe.groups.count !== Math.ceil(p.expert / perNode) || moe.groups.choose !== d.maxNodes)) {
        out.cannot(`the model's \`groups = ${moe.groups.count} choose ${moe.groups.choose}\` beside node-limited routing`, 'Megatron-Core has one group-limited routing; kasc passes the node limit (routing.max_nodes)', 'routing.max_nodes');
      }
    } else if (moe.groups) out.add('--moe-router-num-groups', moe.groups.count).add('--moe-router-group-topk', moe.groups.choose);
    const b = moe.balance;
    if (b.kind === 'aux_loss') out.add('--moe-router-load-balancing-type', b.sequence ? 'seq_aux_loss' : 'aux_loss').add('--moe-aux-loss-coeff', argNumber(b.alpha));
    else out.add('--moe-router-load-balancing-type', 'none');
    if (b.kind === 'bias_update') out.add('--moe-router-enable-expert-bias').add('--moe-router-bias-update-rate', argNumber(b.rate));
    out.add('--moe-grouped-gemm');
    if (p.expert > 1) out.add('--moe-token-dispatcher-type', 'alltoall');
  }
  if (m.mtpDepth > 0) out.add('--mtp-num-layers', m.mtpDepth);

  // Parallelism.
  out.add('--tensor-model-parallel-size', p.tensor).add('--pipeline-model-parallel-size', p.pipeline);
  if (moe) out.add('--expert-model-parallel-size', p.expert).add('--expert-tensor-parallel-size', 1);
  if (p.virtualStages > 1) out.add('--num-virtual-stages-per-pipeline-rank', p.virtualStages);
  if (p.schedule === 'dualpipe') out.cannot('the DualPipe schedule', 'Megatron-Core runs 1F1B, or interleaved 1F1B with virtual stages; DualPipe is DeepSeek\'s own', 'parallel.schedule');
  if (p.schedule === 'gpipe') out.cannot('the GPipe schedule', 'Megatron-Core runs 1F1B', 'parallel.schedule');
  if (p.sequenceParallel) out.add('--sequence-parallel');
  if (p.zero >= 1) out.add('--use-distributed-optimizer');
  if (p.zero >= 2) out.cannot(`ZeRO stage ${p.zero}`, 'the distributed optimizer shards optimizer states (ZeRO-1); gradient and parameter sharding come with Megatron FSDP', 'parallel.zero');
  if (d.recompute === 'selective') out.add('--recompute-granularity', 'selective');
  else if (d.recompute === 'full') out.add('--recompute-granularity', 'full').add('--recompute-method', 'uniform').add('--recompute-num-layers', 1);

  // The batch.
  out.add('--seq-length', d.sequence).add('--global-batch-size', d.batch).add('--micro-batch-size', p.microBatch);

  // Precision: FP8 GEMMs with DeepSeek-V3's fine-grained scaling is Transformer Engine's blockwise recipe
  // (1×128 activation tiles, 128×128 weight blocks), on top of BF16 mixed precision.
  const fp8 = d.precision.kind === 'fp8' || (d.precision.kind === 'auto' && d.cluster.node.gpu.peak.fp8 !== undefined);
  if (fp8) {
    out.add('--fp8-format', 'e4m3').add('--fp8-recipe', 'blockwise');
    const pr = d.precision;
    if (pr.kind === 'fp8' && (pr.activationTile.join('x') !== '1x128' || pr.weightBlock.join('x') !== '128x128')) {
      out.cannot(`scaling tiles ${pr.activationTile.join('x')} / ${pr.weightBlock.join('x')}`, 'the blockwise recipe scales activations per 1x128 tile and weights per 128x128 block', 'precision');
    }
  }
  out.add('--bf16');
  return { engine: out.engine, args: out.args, notes: out.notes, files: {} };
}
