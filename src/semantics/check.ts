/**
 * Consistency between fields: the mistakes a schema alone cannot see (top-k above the routed experts,
 * groups that do not divide them, a layer range outside the model, parallel sizes that do not fit the
 * cluster). Runs on checked bodies, after every value has its type and unit.
 */
import type { DiagnosticSink } from '../diagnostics/diagnostic.js';
import { report } from '../diagnostics/codes.js';
import { GPU } from './schema.js';
import { closest } from './suggest.js';
import { fatTreeCapacity } from '../cost/network.js';
import { checkNetwork } from './check-network.js';
import { checkSearches } from './check-search.js';
import { enumName, num, spanOf, variant, type CheckedBody, type CheckedDecl, type CheckedProgram } from './evaluate.js';

export function checkProgram(checked: CheckedProgram, sink: DiagnosticSink): void {
  for (const d of checked.decls) {
    switch (d.keyword) {
      case 'model':
        checkModel(d, sink);
        break;
      case 'gpu':
        checkGpu(d, sink);
        break;
      case 'node':
        checkNode(d, sink);
        break;
      case 'cluster':
        checkCluster(d, checked, sink);
        break;
      case 'train':
      case 'serve':
        checkDeployment(d, checked, sink);
        break;
    }
  }
  checkSearches(checked.decls, sink);
}

/** The layers a `moe layers[a..b step n]` selector picks, half-open like Rust ranges. */
export function selectedLayers(moe: CheckedBody, layers: number): number[] {
  const start = moe.selector?.start ?? 0;
  const end = moe.selector?.end ?? layers;
  const step = moe.selector?.step ?? 1;
  const out: number[] = [];
  for (let i = start; i < Math.min(end, layers); i += step) out.push(i);
  return out;
}

function rangeText(moe: CheckedBody): string {
  const s = moe.selector;
  if (!s) return '..';
  return `${s.start ?? ''}..${s.end ?? ''}${s.step !== undefined ? ` step ${s.step}` : ''}`;
}

/** The cost model walks the layers one by one; past this, `layers = 1e9` would hang it. */
export const MAX_LAYERS = 100_000;

function checkModel(d: CheckedDecl, sink: DiagnosticSink): void {
  const b = d.body;
  const hidden = num(b, 'hidden');
  const layers = num(b, 'layers');
  if (layers !== undefined && layers > MAX_LAYERS) {
    report(sink, 'outOfRange', { field: 'layers', value: String(layers), bound: `at most ${MAX_LAYERS}` }, spanOf(b, 'layers'), { help: 'kasc counts parameters layer by layer; real models have a few hundred at most' });
    return;
  }
  const attn = variant(b, 'attention');
  if (attn && hidden !== undefined) {
    const heads = num(attn.body, 'heads');
    if (attn.name !== 'mla' && heads !== undefined && num(attn.body, 'head_dim') === undefined && hidden % heads !== 0) {
      report(sink, 'headDimUndetermined', { hidden, heads }, attn.body.headerSpan, { help: 'give `head_dim = …` in the attention block' });
    }
    if (attn.name === 'mla') {
      // The point of MLA is a cached latent smaller than the keys and values it stands for.
      const kvr = num(attn.body, 'kv_lora_rank');
      const nope = num(attn.body, 'qk_nope_dim');
      const v = num(attn.body, 'v_dim');
      if (heads !== undefined && kvr !== undefined && nope !== undefined && v !== undefined && kvr >= heads * (nope + v)) {
        report(sink, 'mlaHeadDims', { detail: `kv_lora_rank ${kvr} is not below heads × (qk_nope_dim + v_dim) = ${heads * (nope + v)}` }, spanOf(attn.body, 'kv_lora_rank'), {
          help: 'the cached latent is no smaller than plain keys and values; lower `kv_lora_rank` or use `mha`/`gqa`',
        });
      }
    }
    if (attn.name === 'gqa') {
      const kv = num(attn.body, 'kv_heads');
      // One mistake, one error: more kv heads than query heads is out of range, not also a non-divisor.
      if (heads !== undefined && kv !== undefined && kv > heads) {
        report(sink, 'outOfRange', { field: 'kv_heads', value: String(kv), bound: `at most heads (${heads})` }, spanOf(attn.body, 'kv_heads'), { help: `use \`mha\` for one key/value head per query head, or a divisor of ${heads}` });
      } else if (heads !== undefined && kv !== undefined && heads % kv !== 0) {
        report(sink, 'kvHeadsDoNotDivide', { kvHeads: kv, heads }, spanOf(attn.body, 'kv_heads'), { help: `each key/value head serves a whole group of query heads: ${divisorsNear(heads, kv)}` });
      }
    }
  }

  const moe = b.blocks.get('moe');
  let moeLayers = 0;
  if (moe && layers !== undefined) {
    const sel = moe.selector;
    if (sel && ((sel.start ?? 0) >= layers || (sel.end ?? layers) > layers)) {
      report(sink, 'layerRangeOutside', { range: rangeText(moe), layers }, sel.span, { help: `layers are numbered 0..${layers}; write \`layers[${Math.min(sel.start ?? 0, layers - 1)}..]\` to run to the last layer` });
    } else if (selectedLayers(moe, layers).length === 0) {
      report(sink, 'emptyLayerRange', { range: rangeText(moe) }, sel?.span ?? moe.headerSpan);
    }
    moeLayers = selectedLayers(moe, layers).length;
    const routed = num(moe, 'routed');
    const topK = num(moe, 'top_k');
    if (routed !== undefined && topK !== undefined && topK > routed) {
      report(sink, 'topKExceedsExperts', { topK, routed }, spanOf(moe, 'top_k'));
    }
    const groups = moe.values.get('groups');
    if (groups?.k === 'choose' && routed !== undefined) {
      if (routed % groups.of !== 0) {
        report(sink, 'groupsDoNotDivide', { groups: groups.of, routed }, spanOf(moe, 'groups'), { help: `experts are split into equal groups: ${divisorsNear(routed, groups.of)}` });
      } else if (groups.choose > groups.of) {
        report(sink, 'chooseExceedsGroups', { choose: groups.choose, groups: groups.of }, spanOf(moe, 'groups'));
      } else if (topK !== undefined && topK > groups.choose * (routed / groups.of)) {
        report(sink, 'topKUnreachable', { topK, reachable: groups.choose * (routed / groups.of) }, spanOf(moe, 'groups'), { help: 'choose more groups or lower `top_k`' });
      }
    }
  }
  if (layers !== undefined && !b.values.has('ffn') && !b.fieldSpans.has('ffn') && moeLayers < layers && !(moe && moeLayers === 0)) {
    report(sink, 'denseLayersWithoutFfn', { count: layers - moeLayers }, b.headerSpan, { help: 'add `ffn = swiglu { intermediate = … }` or make every layer MoE' });
  }
}

function divisorsNear(n: number, near: number): string {
  const ds: number[] = [];
  // Divisors come in pairs (i, n / i): looking up to √n keeps a huge `routed` from hanging the check.
  for (let i = 1; i * i <= n && i <= 1_000_000; i++) if (n % i === 0) ds.push(i, n / i);
  const sorted = [...new Set(ds)].sort((a, b) => Math.abs(a - near) - Math.abs(b - near) || a - b).slice(0, 3).sort((a, b) => a - b);
  return `try ${sorted.map((x) => '`' + x + '`').join(', ')}`;
}

function checkGpu(d: CheckedDecl, sink: DiagnosticSink): void {
  const peak = d.body.blocks.get('peak');
  // `peak = …` written as a field, or a misspelt `peaks { … }`, was reported as such; it is not also a missing peak.
  const gpuNames = [...Object.keys(GPU.fields), ...Object.keys(GPU.blocks ?? {})];
  if (!peak && d.decl.body.members.some((m) => m.name.name === 'peak' || (!gpuNames.includes(m.name.name) && closest(m.name.name, gpuNames) === 'peak'))) return;
  // A peak written with a wrong unit was reported already; only a peak never written is this error.
  if (!peak || (peak.values.size === 0 && peak.fieldSpans.size === 0)) {
    report(sink, 'noPeak', { gpu: d.name }, d.body.headerSpan, { help: 'add `peak { bf16 = … TFLOP/s }`' });
  }
}

function checkLink(body: CheckedBody, peakField: string, realField: string, sink: DiagnosticSink): void {
  const peak = num(body, peakField);
  const real = num(body, realField);
  if (peak !== undefined && real !== undefined && real > peak) {
    report(sink, 'achievableExceedsPeak', { field: realField, peak: peakField }, spanOf(body, realField));
  }
}

function checkNode(d: CheckedDecl, sink: DiagnosticSink): void {
  const scaleup = variant(d.body, 'scaleup');
  if (scaleup) checkLink(scaleup.body, 'bandwidth', 'achievable', sink);
  const nics = d.body.values.get('nics');
  if (nics?.k === 'count' && nics.item?.k === 'variant') checkLink(nics.item.body, 'bandwidth', 'effective', sink);
}


function refDecl(checked: CheckedProgram, body: CheckedBody, field: string): CheckedDecl | undefined {
  const v = body.values.get(field);
  const ref = v?.k === 'ref' ? v : v?.k === 'count' && v.item?.k === 'ref' ? v.item : undefined;
  if (!ref || ref.decl.kind !== 'block') return undefined;
  return checked.byDecl.get(ref.decl.decl);
}

function checkCluster(d: CheckedDecl, checked: CheckedProgram, sink: DiagnosticSink): void {
  const node = refDecl(checked, d.body, 'nodes');
  const nodes = num(d.body, 'nodes');
  const net = variant(d.body, 'network');
  if (!node || nodes === undefined || !net) return;
  const nics = num(node.body, 'nics');
  if (nics !== undefined) checkNetwork(net, nodes * nics, sink);
  if (net.name !== 'fat_tree') return;
  const radix = num(net.body, 'radix');
  const levels = num(net.body, 'levels') ?? 2;
  const planes = num(net.body, 'planes') ?? 1;
  const zones = num(net.body, 'zones') ?? 1;
  if (nics === undefined || radix === undefined) return;
  if (planes > 1 && nics % planes !== 0) {
    report(sink, 'parallelDoesNotDivide', { what: 'planes', size: planes, total: nics }, spanOf(net.body, 'planes'), { help: `each NIC of a node joins one plane: use a divisor of the node's ${nics} NICs` });
    return;
  }
  const capacity = fatTreeCapacity(radix, levels as 2 | 3) * planes * zones;
  if (nodes * nics > capacity) {
    report(sink, 'networkTooSmall', { endpoints: nodes * nics, capacity }, net.body.headerSpan, { help: levels === 2 ? 'add a level (`levels = 3`), planes or zones, or use switches with more ports' : 'add planes or zones, or use switches with more ports' });
  }
}

function checkDeployment(d: CheckedDecl, checked: CheckedProgram, sink: DiagnosticSink): void {
  const model = refDecl(checked, d.body, 'model');
  const cluster = refDecl(checked, d.body, 'on');
  const parallel = d.body.blocks.get('parallel');
  if (!cluster) return;
  const nodes = num(cluster.body, 'nodes');
  const node = refDecl(checked, cluster.body, 'nodes');
  const perNode = node ? num(node.body, 'gpus') : undefined;
  if (nodes === undefined || perNode === undefined) return;
  const gpus = nodes * perNode;
  const pp = parallel ? num(parallel, 'pipeline') ?? 1 : 1;
  const tp = parallel ? num(parallel, 'tensor') ?? 1 : 1;
  const ep = parallel ? num(parallel, 'expert') ?? 1 : 1;
  const dpValue = parallel?.values.get('data');
  const at = (field: string) => (parallel ? spanOf(parallel, field) : d.body.headerSpan);
  let dp: number | undefined;
  if (dpValue?.k === 'num') {
    dp = dpValue.v;
    if (pp * tp * dp > gpus) report(sink, 'clusterTooSmall', { needed: pp * tp * dp, gpus }, at('data'), { help: `pipeline ${pp} × tensor ${tp} × data ${dp} must fit in ${gpus} GPUs` });
  } else if (gpus % (pp * tp) !== 0) {
    report(sink, 'parallelDoesNotDivide', { what: `pipeline ${pp} × tensor ${tp} =`, size: pp * tp, total: gpus }, at(parallel?.fieldSpans.has('pipeline') || !parallel?.fieldSpans.has('tensor') ? 'pipeline' : 'tensor'), { help: `with \`data = auto\` the cluster's ${gpus} GPUs must split evenly into pipeline × tensor groups` });
  } else {
    dp = gpus / (pp * tp);
    if (dp === 0) report(sink, 'clusterTooSmall', { needed: pp * tp, gpus }, at('pipeline'));
  }
  if (dp !== undefined && dp > 0 && (dp * tp) % ep !== 0) {
    report(sink, 'parallelDoesNotDivide', { what: 'expert parallelism', size: ep, total: dp * tp }, at('expert'), { help: 'experts are split across the data- and tensor-parallel ranks of a stage, so EP must divide data × tensor' });
  }
  const moe = model?.body.blocks.get('moe');
  const routed = moe ? num(moe, 'routed') : undefined;
  if (routed !== undefined && routed % ep !== 0) {
    report(sink, 'parallelDoesNotDivide', { what: 'expert parallelism', size: ep, total: routed }, at('expert'), { help: `each expert-parallel rank holds the same number of the ${routed} routed experts` });
  }
  if (!moe && ep > 1) {
    report(sink, 'outOfRange', { field: 'expert', value: String(ep), bound: '1 for a model without MoE' }, at('expert'));
  }
  if (d.keyword === 'train' && dp !== undefined && dp > 0) {
    const batch = num(d.body, 'batch');
    const micro = parallel ? num(parallel, 'micro_batch') ?? 1 : 1;
    if (batch !== undefined && batch % (dp * micro) !== 0) {
      report(sink, 'parallelDoesNotDivide', { what: `data ${dp} × micro_batch ${micro} =`, size: dp * micro, total: batch }, spanOf(d.body, 'batch'), { help: 'every data-parallel replica runs a whole number of micro-batches per step' });
    }
  }
  const routing = d.body.blocks.get('routing');
  const maxNodes = routing ? num(routing, 'max_nodes') : undefined;
  if (maxNodes !== undefined) {
    const epNodes = Math.max(1, Math.ceil(ep / perNode));
    if (maxNodes > epNodes) report(sink, 'maxNodesExceeds', { maxNodes, nodes: epNodes }, spanOf(routing!, 'max_nodes'), { help: `expert parallelism ${ep} over ${perNode}-GPU nodes spans ${epNodes} node${epNodes === 1 ? '' : 's'}` });
  }
  if (d.keyword === 'train') {
    const precision = enumName(d.body, 'precision');
    const gpu = node ? refDecl(checked, node.body, 'gpus') : undefined;
    const peak = gpu?.body.blocks.get('peak');
    if (precision === 'fp8' && gpu && peak && num(peak, 'fp8') === undefined) {
      report(sink, 'noFp8', { gpu: gpu.name }, spanOf(d.body, 'precision'), { help: 'FP8 GEMMs fall back to BF16 on this GPU; write `precision = auto` to say so' });
    }
  }
}
