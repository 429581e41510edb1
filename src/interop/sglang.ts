/**
 * `kasc emit sglang`: a `serve` deployment → `python -m sglang.launch_server` arguments for one engine
 * instance (an expert-parallel group running attention data-parallel), and kasc's expert placement as
 * the `--init-expert-location` file when the placement pass ran. Names checked against SGLang
 * `python/sglang/srt/server_args.py` (v0.5.x), see docs/interop.md.
 */
import type { ServeIR } from '../ir/deploy.js';
import { ArgList, serveInstances, type ExpertPlacement, type LaunchConfig } from './launch.js';

/** The placement file's name on the command line unless `kasc emit --placement-out` names another. */
export const SGLANG_PLACEMENT_FILE = 'expert_location.json';

/**
 * SGLang's `physical_to_logical_map`: one row per hidden layer (dense layers included: SGLang sizes
 * the map by num_hidden_layers), each slot → logical expert. Dense layers and MoE layers the placement
 * has no row for keep the trivial map, slot s → expert s mod routed.
 */
export function sglangExpertLocation(d: ServeIR, placement: ExpertPlacement): string {
  const moe = d.model.moe!;
  const trivial = Array.from({ length: placement.slots }, (_, s) => s % moe.routed);
  const rows = Array.from({ length: d.model.layers }, (_, layer) => {
    const k = moe.layers.indexOf(layer);
    return k >= 0 && placement.phy2log[k] ? placement.phy2log[k]! : trivial;
  });
  return '{\n  "physical_to_logical_map": [\n' + rows.map((r) => `    [${r.join(', ')}]`).join(',\n') + '\n  ]\n}\n';
}

export function sglangArgs(d: ServeIR, placement?: ExpertPlacement, placementFile = SGLANG_PLACEMENT_FILE): LaunchConfig {
  const m = d.model;
  const p = d.parallel;
  const moe = m.moe;
  const inst = serveInstances(d);
  const out = new ArgList('SGLang', d);
  const files: Record<string, string> = {};

  // SGLang's --tp is the instance's GPUs per pipeline stage; with DP attention, --dp of them run
  // attention as independent replicas while the MoE layers span all of them (--ep-size).
  out.add('--tp', p.tensor * inst.dataParallel);
  if (inst.dataParallel > 1) out.add('--dp', inst.dataParallel).add('--enable-dp-attention');
  if (p.pipeline > 1) out.add('--pp-size', p.pipeline);
  if (moe && p.expert > 1) {
    out.add('--ep-size', p.expert);
    out.add('--moe-a2a-backend', 'deepep').add('--deepep-mode', d.phase === 'decode' ? 'low_latency' : 'normal');
  }
  if (inst.nodes > 1) out.add('--nnodes', inst.nodes);
  if (placement && moe) {
    const redundant = placement.slots - moe.routed;
    out.add('--enable-eplb').add('--ep-num-redundant-experts', redundant).add('--init-expert-location', placementFile);
    files[placementFile] = sglangExpertLocation(d, placement);
  }
  if (d.overlap === 'dual_microbatch') out.add('--enable-two-batch-overlap');
  if (d.context !== null) out.add('--context-length', d.context);
  if (['fp8', 'e4m3'].includes(d.weights)) out.add('--quantization', 'fp8');
  else if (d.weights !== 'bf16') out.cannot(`\`weights = ${d.weights}\``, 'choose a quantized checkpoint and its --quantization method by hand', 'weights');
  if (['fp8', 'e4m3'].includes(d.kvCache)) out.add('--kv-cache-dtype', 'fp8_e4m3');
  else if (d.kvCache === 'e5m2') out.add('--kv-cache-dtype', 'fp8_e5m2');
  else if (d.kvCache !== 'bf16') out.cannot(`\`kv_cache = ${d.kvCache}\``, 'SGLang caches keys and values in the model dtype or FP8', 'kv_cache');
  if (moe && p.expert > 1 && (d.dispatch !== 'fp8' || d.combine !== 'bf16') && d.phase === 'decode') {
    out.cannot(`dispatch ${d.dispatch} / combine ${d.combine}`, 'DeepEP low-latency mode dispatches in FP8 and combines in BF16');
  }
  if (d.maxNodes !== null) out.cannot('node-limited routing (`routing.max_nodes`)', 'SGLang routes with the model config\'s n_group / topk_group', 'routing.max_nodes');
  if (inst.count > 1) out.cannot(`the ${inst.count} instances of this deployment`, `launch one instance per ${inst.gpus} GPUs (each node with --node-rank and --dist-init-addr) and balance requests across them with sglang-router`);
  return { engine: out.engine, args: out.args, notes: out.notes, files };
}
