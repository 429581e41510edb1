/** report.md — the same figures as report.json, laid out for a person. */
import type { Analysis, ModelAnalysis, ClusterAnalysis } from '../../passes/analyze.js';
import type { DeploymentIR } from '../../ir/deploy.js';
import { VERSION } from '../../version.js';
import type { NetworkShape } from '../../cost/network.js';
import type { SearchIR } from '../../ir/search.js';
import { interfaceText } from '../search/declared.js';
import { count, int, si } from './format.js';

function table(head: string[], rows: (string | number)[][]): string {
  const align = head.map((_, i) => (i === 0 ? '---' : '---:'));
  return [`| ${head.join(' | ')} |`, `| ${align.join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

const BREAKDOWN_LABELS: Record<string, string> = {
  embedding: 'embedding',
  head: 'output head',
  attention: 'attention',
  denseFfn: 'dense FFN',
  experts: 'routed experts',
  sharedExperts: 'shared experts',
  router: 'router',
  norms: 'norms',
};

function modelSection(m: ModelAnalysis): string {
  const p = m.params;
  const model = m.model;
  const a = model.attention;
  const attn = a.kind === 'mla' ? `MLA, ${a.heads} heads, kv_lora_rank ${a.kvLoraRank}, rope ${a.qkRopeDim}` : `${a.kind.toUpperCase()}, ${a.heads} heads, ${a.kvHeads} kv heads × ${a.headDim}`;
  const moe = model.moe
    ? `${p.moeLayers} MoE layers: ${model.moe.shared.count} shared + ${model.moe.routed} routed experts (top-${model.moe.topK}${model.moe.groups ? `, ${model.moe.groups.count} groups choose ${model.moe.groups.choose}` : ''}), ${model.moe.router.score} router`
    : 'dense';
  const out: string[] = [
    `## Model \`${model.name}\``,
    '',
    `${model.layers} layers (${p.denseLayers} dense), hidden ${model.hidden}, vocab ${model.vocab}; ${attn}; ${moe}.`,
    '',
    '### Parameters',
    '',
    table(
      ['component', 'total', 'activated per token'],
      Object.keys(BREAKDOWN_LABELS)
        .filter((k) => p.breakdown[k as keyof typeof p.breakdown] !== 0)
        .map((k) => [BREAKDOWN_LABELS[k]!, int(p.breakdown[k as keyof typeof p.breakdown]), int(p.activatedBreakdown[k as keyof typeof p.activatedBreakdown])]),
    ),
    '',
    table(
      ['', 'parameters', ''],
      [
        ['**total**', int(p.total), count(p.total)],
        ['**activated**', int(p.activated), count(p.activated)],
        ['activated, embedding excluded', int(p.activatedNonEmbedding), count(p.activatedNonEmbedding)],
      ],
    ),
  ];
  if (p.mtp) {
    out.push('', `MTP (depth ${p.mtp.depth}), counted apart from the total: ${int(p.mtp.unique)} unique parameters (${count(p.mtp.unique)}), sharing the embedding and output head.`);
  }
  const kv = m.kvCache.bytesPerToken;
  out.push(
    '',
    '### KV cache',
    '',
    `${int(m.kvCache.elementsPerTokenPerLayer)} elements per token per layer × ${model.layers} layers.`,
    '',
    table(
      ['dtype', 'bytes per token', ''],
      (['bf16', 'fp8', 'fp32'] as const).map((d) => [d, int(kv[d]), si(kv[d], 'B', 3)]),
    ),
    '',
    '### FLOPs per token',
    '',
    `At sequence length ${m.flops.sequence} (${m.sequenceFrom === 'default' ? 'default' : `from ${m.sequenceFrom}`}); see docs/formulas.md for the method.`,
    '',
    table(
      ['', 'FLOP per token'],
      [
        ['forward, weights (2 × activated non-embedding)', si(m.flops.forwardMatmul, 'FLOP')],
        ['forward, attention (causal)', si(m.flops.forwardAttentionCausal, 'FLOP')],
        ['**forward**', si(m.flops.forwardPerToken, 'FLOP')],
        ['**training** (3 × forward, causal)', si(m.flops.trainPerToken, 'FLOP')],
        ['training, non-causal attention', si(m.flops.trainPerTokenNonCausal, 'FLOP')],
      ],
    ),
    '',
    '### Weight memory',
    '',
    table(
      ['dtype', 'bytes'],
      (['fp32', 'bf16', 'fp8'] as const).map((d) => [d, si(m.weightBytes[d], 'B')]),
    ),
  );
  return out.join('\n');
}

function clusterSection(c: ClusterAnalysis): string {
  const cl = c.cluster;
  const g = cl.node.gpu;
  const out = [
    `## Cluster \`${cl.name}\``,
    '',
    `${int(cl.nodeCount)} × \`${cl.node.name}\` (${cl.node.gpuCount} × \`${g.name}\`, ${cl.node.nic.count} × ${cl.node.nic.kind} at ${si(cl.node.nic.bandwidth * 8, 'b/s', 0)}) = ${int(cl.gpus)} GPUs, ${si(cl.gpus * g.memoryBytes, 'B')} HBM.`,
  ];
  const n = c.network;
  if (n) {
    const money = (x: number | null) => (x === null ? '—' : `$${(x / 1e6).toFixed(2)}M`);
    const perEndpoint = (x: number | null) => (x === null ? '—' : `$${(x / 1e3).toFixed(2)}k`);
    const row = (label: string, z: typeof n.capacity) => [label, int(z.endpoints), int(z.switches), int(z.links), money(z.costUSD), perEndpoint(z.costPerEndpointUSD), z.diameter === null ? '—' : z.diameter];
    out.push(
      '',
      `### Network (${n.topology.toUpperCase()})`,
      '',
      networkShapeLine(n.shape),
      '',
      table(['', 'endpoints', 'switches', 'links', 'cost', 'cost per endpoint', 'diameter'], [row('full capacity', n.capacity), row('this cluster', n.deployed)]),
      '',
      'Links count switch-to-switch cables; the diameter is in switch-to-switch hops; see docs/formulas.md (Network).',
    );
  }
  return out.join('\n');
}

/** How the network is built, in the words of its topology, for the reader to check the counts by hand. */
function networkShapeLine(s: NetworkShape): string {
  if (s.kind === 'fat_tree') {
    const parts = [`${s.levels}-level fat tree of ${s.radix}-port switches`];
    if (s.planes > 1) parts.push(`${s.planes} planes`);
    if (s.rails > 1) parts.push(`${s.rails} rails`);
    if (s.zones > 1) parts.push(`${s.zones} zones joined by ${s.interzoneSwitches} inter-zone switch${s.interzoneSwitches === 1 ? "" : "es"} ${s.interzoneLinks > 0 ? `and ${s.interzoneLinks} links` : '(their links not declared)'}`);
    return parts.join(', ') + '.';
  }
  if (s.kind === 'slim_fly') {
    return `Slim Fly (MMS) of ${s.radix}-port switches: q = ${s.q} (${s.qFrom === 'radix' ? 'the largest that fits the radix' : 'declared'}), δ = ${s.delta}, ${s.networkRadix} network + ${s.endpointsPerSwitch} endpoint ports per switch${s.qIsPrimePower ? '' : `; ${s.q} is not a prime power, so no MMS graph exists: the sizes follow the formulas (as ISCA Table 3 does)`}.`;
  }
  return `Balanced Dragonfly of ${s.radix}-port switches: groups of a = ${s.switchesPerGroup} switches, each with h = ${s.globalPerSwitch} global and p = ${s.endpointsPerSwitch} endpoint ports; ${s.groups} groups (${s.groupsFrom === 'radix' ? 'a·h + 1, the most its global ports can join' : 'declared'}).`;
}

function deploymentSection(d: DeploymentIR): string {
  const p = d.parallel;
  const par = `pipeline ${p.pipeline} (${p.schedule}), tensor ${p.tensor}, expert ${p.expert}, data ${p.data}${p.dataAuto ? ' (auto)' : ''}`;
  if (d.kind === 'train') {
    const prec = d.precision.kind === 'fp8' ? `fp8 (activations ${d.precision.activationTile.join('x')}, weights ${d.precision.weightBlock.join('x')}, promote every ${d.precision.promoteInterval})` : d.precision.kind;
    return [
      `## Training \`${d.name}\``,
      '',
      `\`${d.model.name}\` on \`${d.cluster.name}\` (${int(d.cluster.gpus)} GPUs): ${int(d.batch)} sequences × ${int(d.sequence)} tokens = ${int(d.batch * d.sequence)} tokens per step; ${par}; precision ${prec}${d.maxNodes !== null ? `; each token routed to at most ${d.maxNodes} nodes` : ''}.`,
    ].join('\n');
  }
  return [
    `## Serving \`${d.name}\``,
    '',
    `\`${d.model.name}\` on \`${d.cluster.name}\` (${int(d.cluster.gpus)} GPUs), ${d.phase}${d.tokensPerDevice !== null ? `, ${d.tokensPerDevice} tokens per device` : ''}; dispatch ${d.dispatch}, combine ${d.combine}, overlap ${d.overlap}; ${par}.`,
  ].join('\n');
}

/** A `search` block as declared: `kasc build` lists it; `kasc search` runs it. */
function searchSection(s: SearchIR): string {
  const budget = (b: SearchIR['flops'], unit: string) => (b ? `${int(b.limit)}${unit}${b.operator ? ` (${b.factor} × \`${b.operator}\`)` : ''}` : 'none');
  const binding = (b: Readonly<Record<string, number>>) => Object.entries(b).map(([k, v]) => `${k} = ${v}`).join(', ');
  return [
    `## Search \`${s.name}\``,
    '',
    `Operators \`${interfaceText(s)}\` under ${binding(s.bindings[0]!)}${s.bindings.length > 1 ? ` (and ${s.bindings.length - 1} more binding${s.bindings.length > 2 ? 's' : ''})` : ''}; at most ${budget(s.flops, ' FLOPs')} and ${budget(s.params, ' parameters')}; teacher \`${s.fitness.operator}\`; ${s.strategy.name}, ${int(s.strategy.evaluations)} evaluations, seed ${s.seed}${s.target ? `; latency on \`${s.target.name}\`` : ''}. Run it with \`kasc search\`.`,
  ].join('\n');
}

export function renderReportMarkdown(a: Analysis, source: string): string {
  const parts = [`<!-- generated by kasc ${VERSION} from ${source}; do not edit -->`, `# kasc report: ${source}`];
  if (a.models.length + a.clusters.length + a.deployments.length + (a.searches?.length ?? 0) === 0) parts.push('This file declares no model, cluster or deployment.');
  for (const m of a.models) parts.push(modelSection(m));
  for (const c of a.clusters) parts.push(clusterSection(c));
  for (const d of a.deployments) {
    parts.push(deploymentSection(d));
    for (const r of a.passResults.get(d) ?? []) parts.push(`### ${r.pass.title}\n\n${r.pass.toMarkdown(r.result, d).trimEnd()}`);
  }
  for (const s of a.searches ?? []) parts.push(searchSection(s));
  return parts.join('\n\n') + '\n';
}
