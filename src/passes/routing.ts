/**
 * Node-limited routing (V3TR §3.2.2, ISCA §4.3): does the model's gate agree with the expert-parallel
 * layout (groups on nodes, a node limit that can be met), how many nodes and GPUs a token reaches,
 * and what its dispatch and combine cost on InfiniBand and NVLink — analytically for uniform routing
 * (src/cost/routing.ts), by seeded Monte Carlo for skewed routing (src/cost/routing-monte-carlo.ts),
 * for the declared node limit and for every other, against unrestricted top-k and an IB budget.
 */
import type { DeploymentIR } from '../ir/deploy.js';
import { DTYPE_BYTES } from '../semantics/schema.js';
import { report } from '../diagnostics/codes.js';
import { bytesPerToken, expectedDistinctUnits, expectedNvlinkTransfers, expectedRemoteNodes, expertsAtSameIbCost, groupNodeBound } from '../cost/routing.js';
import { simulateRouting, type RoutingLayout, type RoutingStats } from '../cost/routing-monte-carlo.js';
import { int, percent, si } from '../emit/report/format.js';

const micros = (s: number) => `${(s * 1e6).toFixed(2)} µs`;
import { deploymentSpan, type DeploymentPass, type PassContext } from './pass.js';

/** Per token, per MoE layer. */
export interface Traffic {
  readonly distinctNodes: number;
  /** IB transfers: remote nodes reached, one transfer each (deduplicated per node). */
  readonly remoteNodes: number;
  readonly distinctGpus: number;
  /** Remote GPUs reached: the IB transfers without per-node deduplication. */
  readonly remoteGpus: number;
  readonly nvlinkTransfers: number;
  readonly ibBytes: { readonly dispatch: number; readonly combine: number; readonly total: number };
  readonly nvlinkBytes: { readonly dispatch: number; readonly combine: number; readonly total: number };
  /** Seconds per token on its GPU's IB and NVLink share (dispatch + combine). */
  readonly ibSeconds: number;
  readonly nvlinkSeconds: number;
  /** Monte Carlo only: share of the unrestricted top-k still chosen, and the most nodes a token reached. */
  readonly recall?: number;
  readonly maxNodesSeen?: number;
}

export interface LimitRow extends Traffic {
  readonly maxNodes: number;
  /** The same limit under uniform routing, analytically. */
  readonly analyticDistinctNodes: number;
}

export interface RoutingResult {
  readonly layout: {
    readonly experts: number;
    readonly topK: number;
    readonly epRanks: number;
    readonly ranksPerNode: number;
    readonly nodes: number;
    readonly expertsPerRank: number;
    readonly expertsPerNode: number;
    readonly groups: { readonly count: number; readonly choose: number } | null;
    /** Nodes the group limit alone keeps a token within; null without groups or when groups straddle nodes. */
    readonly groupNodeBound: number | null;
    readonly maxNodes: number | null;
    /** The limit in force: min(max_nodes, group bound, nodes). */
    readonly effectiveMaxNodes: number;
  };
  readonly hidden: number;
  readonly moeLayers: number;
  readonly dtypes: { readonly dispatch: string; readonly combine: string; readonly dispatchBytes: number; readonly combineBytes: number; readonly from: string };
  readonly links: { readonly ibPerGpu: number; readonly ibEffectivePerGpu: number; readonly nvlinkPerGpu: number; readonly nvlinkToIb: number; readonly nvlinkToIbEffective: number };
  /** V3TR §3.2.2: experts reachable at the IB cost of the node limit. */
  readonly sameIbCost: { readonly maxNodes: number; readonly expertsPerNode: number; readonly experts: number; readonly expertsRounded: number };
  readonly analytic: { readonly unrestricted: Traffic; readonly limited: Traffic };
  readonly monteCarlo: { readonly skew: number; readonly samples: number; readonly seed: number; readonly unrestricted: Traffic; readonly limited: Traffic; readonly byLimit: readonly LimitRow[] };
  /** 1 − limited / unrestricted IB bytes. */
  readonly ibSaving: { readonly analytic: number; readonly monteCarlo: number; readonly vsNoDedup: number };
  readonly budget: { readonly bytes: number; readonly largestMaxNodes: number | null } | null;
}

/**
 * The dispatch and combine data types and bytes per element: the precision pass' choice (FP8 scales
 * included) for training, the serve block's for serving.
 */
function commDtypes(d: DeploymentIR, ctx: PassContext): { dispatch: string; combine: string; dispatchBytes: number; combineBytes: number; from: string } {
  const p = ctx.result<{ dtypes?: { moeDispatch?: unknown; moeCombine?: unknown }; dispatchBytes?: unknown; combineBytes?: unknown }>(d, 'precision');
  if (p && typeof p.dtypes?.moeDispatch === 'string' && typeof p.dtypes.moeCombine === 'string' && typeof p.dispatchBytes === 'number' && typeof p.combineBytes === 'number') {
    return { dispatch: p.dtypes.moeDispatch, combine: p.dtypes.moeCombine, dispatchBytes: p.dispatchBytes, combineBytes: p.combineBytes, from: 'the precision policy' };
  }
  const width = (t: string) => DTYPE_BYTES[t as keyof typeof DTYPE_BYTES] ?? 2;
  if (d.kind === 'serve') return { dispatch: d.dispatch, combine: d.combine, dispatchBytes: width(d.dispatch), combineBytes: width(d.combine), from: 'the serve block' };
  const fp8 = d.precision.kind === 'fp8' || (d.precision.kind === 'auto' && d.cluster.node.gpu.peak.fp8 !== undefined);
  return { dispatch: fp8 ? 'fp8' : 'bf16', combine: 'bf16', dispatchBytes: width(fp8 ? 'fp8' : 'bf16'), combineBytes: width('bf16'), from: `precision = ${d.precision.kind}` };
}

function traffic(s: Omit<RoutingStats, 'recall' | 'maxNodesSeen'> & Partial<RoutingStats>, hidden: number, bd: number, bc: number, ibPerGpu: number, nvPerGpu: number): Traffic {
  const ib = { dispatch: bytesPerToken(s.remoteNodes, hidden, bd), combine: bytesPerToken(s.remoteNodes, hidden, bc), total: 0 };
  ib.total = ib.dispatch + ib.combine;
  const nv = { dispatch: bytesPerToken(s.nvlinkTransfers, hidden, bd), combine: bytesPerToken(s.nvlinkTransfers, hidden, bc), total: 0 };
  nv.total = nv.dispatch + nv.combine;
  return {
    distinctNodes: s.distinctNodes,
    remoteNodes: s.remoteNodes,
    distinctGpus: s.distinctGpus,
    remoteGpus: s.remoteGpus,
    nvlinkTransfers: s.nvlinkTransfers,
    ibBytes: ib,
    nvlinkBytes: nv,
    ibSeconds: ib.total / ibPerGpu,
    nvlinkSeconds: nv.total / nvPerGpu,
    ...(s.recall !== undefined ? { recall: s.recall } : {}),
    ...(s.maxNodesSeen !== undefined ? { maxNodesSeen: s.maxNodesSeen } : {}),
  };
}

/** Uniform routing within `limit` whole nodes: hypergeometric occupancy (src/cost/routing.ts). */
function uniformStats(limit: number, l: RoutingLayout): Omit<RoutingStats, 'recall' | 'maxNodesSeen'> {
  const perNode = l.experts / l.nodes;
  const perRank = l.experts / l.epRanks;
  const distinctNodes = expectedDistinctUnits(limit, perNode, l.topK);
  const distinctGpus = expectedDistinctUnits(limit * l.ranksPerNode, perRank, l.topK);
  return {
    distinctNodes,
    remoteNodes: expectedRemoteNodes(distinctNodes, l.nodes),
    distinctGpus,
    remoteGpus: expectedRemoteNodes(distinctGpus, l.nodes),
    nvlinkTransfers: expectedNvlinkTransfers(distinctGpus, l.epRanks, l.nodes, l.ranksPerNode),
  };
}

export const routingPass: DeploymentPass<RoutingResult> = {
  name: 'routing',
  title: 'Node-limited routing',
  run(d, ctx) {
    const moe = d.model.moe;
    if (!moe) return undefined;
    const node = d.cluster.node;
    const ep = d.parallel.expert;
    const ranksPerNode = Math.min(node.gpuCount, ep);
    const nodes = Math.ceil(ep / ranksPerNode);
    const E = moe.routed;
    const k = moe.topK;
    const perNode = E / nodes;
    const perRank = E / ep;
    if (ep > node.gpuCount && ep % node.gpuCount !== 0) {
      report(ctx.sink, 'expertParallelPartialNode', { ep, perNode: node.gpuCount }, deploymentSpan(d, 'parallel.expert'), { help: `a multiple of ${node.gpuCount} keeps every node of the group whole; the figures below assume ${nodes} equal nodes` });
    }
    const groups = moe.groups;
    const limitingGroups = groups && groups.choose < groups.count ? groups : null;
    const bound = limitingGroups ? groupNodeBound(limitingGroups.count, limitingGroups.choose, nodes) : null;
    if (limitingGroups && bound === null) {
      report(ctx.sink, 'groupsStraddleNodes', { groups: limitingGroups.count, nodes }, deploymentSpan(d, 'parallel.expert'), {
        help: `an expert-parallel group over a number of nodes that divides or is a multiple of ${limitingGroups.count} puts whole groups on nodes`,
      });
    }
    const maxNodes = d.maxNodes;
    // Experts a token is sure to reach within M nodes: M whole nodes, or, when the nodes hold whole
    // groups, only the chosen groups among them (at worst one per node).
    const groupSize = limitingGroups ? E / limitingGroups.count : perNode;
    const reachable = (m: number) => (limitingGroups && limitingGroups.count % nodes === 0 ? Math.min(m, limitingGroups.choose) * groupSize : m * perNode);
    if (maxNodes !== null && maxNodes <= nodes && reachable(maxNodes) < k) {
      const unit = limitingGroups && limitingGroups.count % nodes === 0 ? groupSize : perNode;
      report(ctx.sink, 'nodeLimitUnreachable', { maxNodes, reachable: reachable(maxNodes), topK: k }, deploymentSpan(d, 'routing.max_nodes'), {
        help: `${unit === perNode ? `each node holds ${perNode} experts` : `a node may hold just one chosen group of ${groupSize} experts`}, so top_k = ${k} needs \`max_nodes = ${Math.ceil(k / unit)}\` or more`,
      });
      return undefined;
    }
    if (maxNodes !== null && bound !== null && maxNodes > bound) {
      report(ctx.sink, 'nodeLimitHasNoEffect', { maxNodes, bound }, deploymentSpan(d, 'routing.max_nodes'), { help: `the gate keeps ${limitingGroups!.choose} of ${limitingGroups!.count} groups; write \`max_nodes = ${bound}\` or drop it` });
    }
    const effective = Math.min(maxNodes ?? nodes, bound ?? nodes, nodes);

    const dt = commDtypes(d, ctx);
    const bd = dt.dispatchBytes;
    const bc = dt.combineBytes;
    const ibPerGpu = (node.nic.count * node.nic.bandwidth) / node.gpuCount;
    const ibEffectivePerGpu = (node.nic.count * (node.nic.effective ?? node.nic.bandwidth)) / node.gpuCount;
    const nvPerGpu = node.scaleup.achievable ?? node.scaleup.bandwidth;
    const h = d.model.hidden;
    const t = (s: Parameters<typeof traffic>[0]) => traffic(s, h, bd, bc, ibPerGpu, nvPerGpu);

    const layout: RoutingLayout = { experts: E, topK: k, epRanks: ep, ranksPerNode, nodes, groups: limitingGroups, groupScore: moe.router.score === 'sigmoid' ? 'sum2' : 'max' };
    const rs = d.routing;
    const mc = simulateRouting(layout, rs.skew, rs.samples, rs.seed);
    const rows: LimitRow[] = [];
    for (let m = 1; m <= nodes; m++) {
      const s = mc.byLimit[m - 1];
      if (s) rows.push({ maxNodes: m, analyticDistinctNodes: uniformStats(Math.min(m, bound ?? nodes), layout).distinctNodes, ...t(s) });
    }
    // A limit under which some sampled token found fewer than k experts (groups straddling nodes) is
    // left out of the rows; the figures then come from the next limit that worked.
    const limitedMc = t(mc.byLimit.slice(effective - 1).find((x) => x !== null) ?? mc.unrestricted);
    const unrestrictedMc = t(mc.unrestricted);
    const analytic = { unrestricted: t(uniformStats(nodes, layout)), limited: t(uniformStats(effective, layout)) };
    const saving = (a: Traffic, b: Traffic) => (b.ibBytes.total === 0 ? 0 : 1 - a.ibBytes.total / b.ibBytes.total);
    const noDedup = unrestrictedMc.remoteGpus === 0 ? 0 : 1 - limitedMc.remoteNodes / unrestrictedMc.remoteGpus;

    let budget: RoutingResult['budget'] = null;
    if (rs.ibBudget !== null) {
      const fitting = rows.filter((r) => r.ibBytes.total <= rs.ibBudget! && r.maxNodes <= effective);
      const largest = fitting.length ? fitting[fitting.length - 1]!.maxNodes : null;
      budget = { bytes: rs.ibBudget, largestMaxNodes: largest };
      const at = deploymentSpan(d, 'routing.ib_budget');
      if (largest === null && rows.length > 0) {
        report(ctx.sink, 'ibBudgetUnreachable', { budget: si(rs.ibBudget, 'B'), least: si(rows[0]!.ibBytes.total, 'B') }, at, { help: 'raise `ib_budget`, or send the dispatch in FP8' });
      } else if (largest !== null && largest < effective) {
        report(ctx.sink, 'maxNodesOverIbBudget', { maxNodes: effective, bytes: si(limitedMc.ibBytes.total, 'B'), budget: si(rs.ibBudget, 'B') }, d.maxNodes !== null ? deploymentSpan(d, 'routing.max_nodes') : at, { help: `\`max_nodes = ${largest}\` fits the budget` });
      }
    }
    const ratio = nvPerGpu / ibPerGpu;
    return {
      layout: { experts: E, topK: k, epRanks: ep, ranksPerNode, nodes, expertsPerRank: perRank, expertsPerNode: perNode, groups, groupNodeBound: bound, maxNodes, effectiveMaxNodes: effective },
      hidden: h,
      moeLayers: moe.layers.length,
      dtypes: { dispatch: dt.dispatch, combine: dt.combine, dispatchBytes: bd, combineBytes: bc, from: dt.from },
      links: { ibPerGpu, ibEffectivePerGpu, nvlinkPerGpu: nvPerGpu, nvlinkToIb: ratio, nvlinkToIbEffective: nvPerGpu / ibEffectivePerGpu },
      sameIbCost: { maxNodes: effective, expertsPerNode: ratio, experts: expertsAtSameIbCost(effective, nvPerGpu, ibPerGpu), expertsRounded: Math.round(expertsAtSameIbCost(effective, nvPerGpu, ibPerGpu)) },
      analytic,
      monteCarlo: { skew: rs.skew, samples: rs.samples, seed: rs.seed, unrestricted: unrestrictedMc, limited: limitedMc, byLimit: rows },
      ibSaving: { analytic: saving(analytic.limited, analytic.unrestricted), monteCarlo: saving(limitedMc, unrestrictedMc), vsNoDedup: noDedup },
      budget,
    };
  },
  toJson(r) {
    return r;
  },
  toMarkdown(r) {
    const L = r.layout;
    const n2 = (x: number) => x.toFixed(2);
    const bytes = (x: number) => si(x, 'B');
    const groupLine = L.groups
      ? `${L.groups.count} groups of ${L.experts / L.groups.count}, ${L.groups.choose} chosen per token${L.groupNodeBound !== null ? ` → at most ${L.groupNodeBound} node${L.groupNodeBound === 1 ? '' : 's'}` : ' (groups straddle nodes: no node bound)'}`
      : 'no expert groups';
    const out = [
      `Expert-parallel group: ${L.epRanks} GPUs on ${L.nodes} node${L.nodes === 1 ? '' : 's'} (${L.ranksPerNode} per node), ${L.expertsPerRank} experts per GPU, ${L.expertsPerNode} per node; ${groupLine}; ` +
        `${L.maxNodes !== null ? `\`max_nodes = ${L.maxNodes}\`` : 'no `max_nodes`'}: each token reaches at most **${L.effectiveMaxNodes}** node${L.effectiveMaxNodes === 1 ? '' : 's'}.`,
      '',
      `Dispatch ${r.dtypes.dispatch} (${Number(r.dtypes.dispatchBytes.toFixed(4))} B), combine ${r.dtypes.combine} (${Number(r.dtypes.combineBytes.toFixed(4))} B) (from ${r.dtypes.from}); hidden ${int(r.hidden)}; ` +
        `per GPU: IB ${si(r.links.ibPerGpu, 'B/s', 0)} (${si(r.links.ibEffectivePerGpu, 'B/s', 0)} effective), NVLink ${si(r.links.nvlinkPerGpu, 'B/s', 0)}.`,
      '',
      `Per token and MoE layer (× ${r.moeLayers} MoE layers per token); uniform = analytic, skew ${r.monteCarlo.skew} = Monte Carlo over ${int(r.monteCarlo.samples)} tokens (seed ${r.monteCarlo.seed}):`,
      '',
    ];
    const col = (x: Traffic) => [n2(x.distinctNodes), n2(x.remoteNodes), n2(x.remoteGpus), n2(x.nvlinkTransfers), bytes(x.ibBytes.total), bytes(x.nvlinkBytes.total), micros(x.ibSeconds), x.recall !== undefined ? percent(x.recall, 1) : '—'];
    const cols = [col(r.analytic.unrestricted), col(r.analytic.limited), col(r.monteCarlo.unrestricted), col(r.monteCarlo.limited)];
    const labels = ['nodes reached', 'IB transfers (remote nodes)', 'IB transfers without node dedup', 'NVLink transfers', 'IB bytes (dispatch + combine)', 'NVLink bytes (dispatch + combine)', 'IB time on one GPU', 'unrestricted top-k kept'];
    const lim = `≤ ${L.effectiveMaxNodes} nodes`;
    out.push(`| | top-${L.topK}, uniform | ${lim}, uniform | top-${L.topK}, skew ${r.monteCarlo.skew} | ${lim}, skew ${r.monteCarlo.skew} |`, '|---|---:|---:|---:|---:|');
    labels.forEach((label, i) => out.push(`| ${label} | ${cols.map((c) => c[i]).join(' | ')} |`));
    out.push(
      '',
      `The uniform columns let the k experts fall uniformly among the experts of the nodes allowed (hypergeometric); the gate itself picks the nodes whose best experts score highest, so under the Monte Carlo a token reaches nearly all of them.`,
      '',
      `Node-limited routing moves **${percent(r.ibSaving.monteCarlo, 1)}** fewer IB bytes than unrestricted top-${L.topK} (skew ${r.monteCarlo.skew}; ${percent(r.ibSaving.analytic, 1)} under uniform routing), ` +
        `and ${percent(r.ibSaving.vsNoDedup, 1)} fewer than unrestricted top-${L.topK} sending to every remote GPU.`,
      '',
      `NVLink / IB per GPU = ${n2(r.links.nvlinkToIb)} (${n2(r.links.nvlinkToIbEffective)} with effective IB): while one copy crosses IB to a node, NVLink forwards ${n2(r.sameIbCost.expertsPerNode)} inside it, ` +
        `so at the IB cost of ${r.sameIbCost.maxNodes} node${r.sameIbCost.maxNodes === 1 ? '' : 's'} a token could use up to **${n2(r.sameIbCost.experts)} ≈ ${r.sameIbCost.expertsRounded} experts** (V3TR §3.2.2, for DeepSeek-V3: 4 × 3.2 ≈ 13).`,
      '',
      'Every node limit (skew ' + r.monteCarlo.skew + '; limits below top-k / experts per node are left out):',
      '',
      '| max_nodes | nodes (uniform) | nodes | IB bytes | NVLink bytes | IB time | top-k kept |',
      '|---:|---:|---:|---:|---:|---:|---:|',
    );
    const shown = r.monteCarlo.byLimit.filter((row) => row.maxNodes <= (L.groupNodeBound ?? L.nodes));
    for (const row of shown) {
      out.push(`| ${row.maxNodes} | ${n2(row.analyticDistinctNodes)} | ${n2(row.distinctNodes)} | ${bytes(row.ibBytes.total)} | ${bytes(row.nvlinkBytes.total)} | ${micros(row.ibSeconds)} | ${percent(row.recall ?? 1, 1)} |`);
    }
    if (r.budget) {
      out.push('', r.budget.largestMaxNodes !== null ? `IB budget ${bytes(r.budget.bytes)} per token: the loosest limit that fits is \`max_nodes = ${r.budget.largestMaxNodes}\`.` : `IB budget ${bytes(r.budget.bytes)} per token: no node limit fits.`);
    }
    return out.join('\n');
  },
};
