/**
 * `kasc emit vllm`: a `serve` deployment → `vllm serve` arguments for one engine instance. vLLM's expert
 * parallel size is TP × DP, so an instance is one expert-parallel group. Names checked against vLLM's
 * `vllm/engine/arg_utils.py` and `vllm/config/parallel.py` (v0.11–0.12), see docs/interop.md.
 */
import type { ServeIR } from '../ir/deploy.js';
import { ArgList, serveInstances, stableJsonInline, type ExpertPlacement, type LaunchConfig } from './launch.js';

export function vllmArgs(d: ServeIR, placement?: ExpertPlacement): LaunchConfig {
  const m = d.model;
  const p = d.parallel;
  const moe = m.moe;
  const inst = serveInstances(d);
  const out = new ArgList('vLLM', d);

  out.add('--tensor-parallel-size', p.tensor);
  if (p.pipeline > 1) out.add('--pipeline-parallel-size', p.pipeline);
  if (inst.dataParallel > 1) out.add('--data-parallel-size', inst.dataParallel);
  if (moe && p.expert > 1) {
    out.add('--enable-expert-parallel');
    out.add('--all2all-backend', d.phase === 'decode' ? 'deepep_low_latency' : 'deepep_high_throughput');
  }
  if (placement && moe) {
    out.add('--enable-eplb').add('--eplb-config', stableJsonInline({ num_redundant_experts: placement.slots - moe.routed }));
    out.cannot("kasc's expert placement (which expert goes to which GPU)", 'vLLM takes the number of redundant experts and rebalances at run time from the loads it records');
  }
  if (d.context !== null) out.add('--max-model-len', d.context);
  if (['fp8', 'e4m3'].includes(d.weights)) out.add('--quantization', 'fp8');
  else if (d.weights !== 'bf16') out.cannot(`\`weights = ${d.weights}\``, 'choose a quantized checkpoint and its --quantization method by hand', 'weights');
  if (['fp8', 'e4m3', 'e5m2'].includes(d.kvCache)) out.add('--kv-cache-dtype', d.kvCache === 'e5m2' ? 'fp8_e5m2' : 'fp8');
  else if (d.kvCache !== 'bf16') out.cannot(`\`kv_cache = ${d.kvCache}\``, 'vLLM caches keys and values in the model dtype or FP8', 'kv_cache');
  if (d.overlap === 'dual_microbatch') out.add('--enable-dbo');
  if (d.maxNodes !== null) out.cannot('node-limited routing (`routing.max_nodes`)', 'vLLM routes with the model config\'s n_group / topk_group', 'routing.max_nodes');
  if (inst.nodes > 1) out.cannot(`the ${inst.nodes} nodes of one instance`, `start vLLM on each node with --data-parallel-size-local ${Math.max(1, Math.floor(d.cluster.node.gpuCount / (p.tensor * p.pipeline)))}, --data-parallel-address and --data-parallel-start-rank (the head node with --data-parallel-rpc-port)`);
  if (inst.count > 1) out.cannot(`the ${inst.count} instances of this deployment`, `launch one instance per ${inst.gpus} GPUs and balance requests across them`);
  return { engine: out.engine, args: out.args, notes: out.notes, files: {} };
}
