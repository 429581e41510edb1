/**
 * Expert placement (src/placement/): where the replicas of each MoE layer's routed experts go on the
 * expert-parallel GPUs, for the loads a `placement { … }` block names (a JSON/CSV file, read through the
 * context's reader relative to the .kas file, or a seeded synthetic distribution). Reports per layer
 * phy2log, replica counts, GPU loads, imbalance (max/mean) and its lower bound, EPLB's imbalance beside
 * the chosen policy's, and for `policy = traffic` the Pareto points of imbalance against IB traffic.
 * Runs only when the deployment has a `placement` block and the model has MoE layers.
 */
import * as path from 'node:path';
import type { DeploymentIR } from '../ir/deploy.js';
import { report } from '../diagnostics/codes.js';
import { checkLayout, parseLoads, placeLayers, syntheticLoads, type Layout, type Placement } from '../placement/index.js';
import { int, percent, si } from '../emit/report/format.js';
import type { DeploymentPass, PassContext } from './pass.js';

export interface PlacementResult {
  /** Where the loads came from: the file as written, or the distribution and seed. */
  readonly source: string;
  readonly policy: 'default' | 'eplb' | 'traffic';
  readonly layout: Layout & { readonly experts: number; readonly slotsPerGpu: number; readonly hierarchical: boolean };
  readonly placement: Placement;
  /** EPLB on the same loads, for comparison (mean and worst imbalance). */
  readonly eplb: { readonly imbalance: number; readonly maxImbalance: number };
  /** Bytes one token-expert pair moves over IB (hidden × (dispatch + combine bytes)), from the routing pass. */
  readonly pairBytes: number | null;
  readonly topK: number;
}

function loadMatrix(d: DeploymentIR, ctx: PassContext, layers: number, experts: number): { loads: number[][]; source: string } | undefined {
  const spec = d.placement!;
  if ((spec.loads === null) === (spec.synthetic === null)) {
    report(ctx.sink, 'placementLoadsAndSynthetic', {}, spec.span, { help: 'write `loads = "loads.json"` for measured loads, or `synthetic = zipf { exponent = 1 }` for seeded ones' });
    return undefined;
  }
  if (spec.synthetic) {
    const s = spec.synthetic;
    const source = s.kind === 'zipf' ? `zipf(s = ${s.exponent}), seed ${spec.seed}` : `lognormal(σ = ${s.sigma}), seed ${spec.seed}`;
    return { loads: syntheticLoads(s, layers, experts, spec.seed), source };
  }
  const at = d.spans['placement.loads'] ?? spec.span;
  const file = path.resolve(path.dirname(spec.span.file), spec.loads!);
  const text = ctx.reader.read(file);
  if (text === undefined) {
    report(ctx.sink, 'placementLoadsUnreadable', { path: spec.loads!, detail: 'no such file' }, at, { help: 'the path is relative to the .kas file that names it' });
    return undefined;
  }
  const parsed = parseLoads(text, spec.loads!);
  if (!parsed.ok) {
    report(ctx.sink, 'placementLoadsUnreadable', { path: spec.loads!, detail: parsed.message }, at, { help: parsed.help });
    return undefined;
  }
  if (parsed.loads[0]!.length !== experts) {
    report(ctx.sink, 'placementExpertCount', { found: parsed.loads[0]!.length, routed: experts }, at, { help: 'give one load per routed expert, in expert order' });
    return undefined;
  }
  if (parsed.loads.length !== layers) {
    report(ctx.sink, 'placementLayerCount', { found: parsed.loads.length, layers }, at, { help: 'each row is placed as given; give one row per MoE layer to cover the model' });
  }
  return { loads: parsed.loads, source: spec.loads! };
}

export const placementPass: DeploymentPass<PlacementResult> = {
  name: 'placement',
  title: 'Expert placement',
  run(d, ctx) {
    const moe = d.model.moe;
    const spec = d.placement;
    if (!spec || !moe || moe.layers.length === 0) return undefined;
    const gpus = d.parallel.expert;
    const perNode = d.cluster.node.gpuCount;
    const span = d.spans['parallel.expert'] ?? spec.span;
    if (gpus > perNode && gpus % perNode !== 0) {
      report(ctx.sink, 'placementLayout', { detail: `expert parallelism ${gpus} does not fill whole ${perNode}-GPU nodes` }, span, { help: `use a multiple of ${perNode} GPUs for expert parallelism` });
      return undefined;
    }
    const experts = moe.routed;
    const layout: Layout = {
      slots: spec.slots ?? Math.ceil(experts / gpus) * gpus,
      groups: moe.groups?.count ?? 1,
      nodes: Math.max(1, Math.ceil(gpus / perNode)),
      gpus,
    };
    const problem = checkLayout(layout, experts);
    if (problem) {
      report(ctx.sink, 'placementLayout', { detail: problem.message }, d.spans['placement.slots'] ?? spec.span, { help: problem.help });
      return undefined;
    }
    if (spec.policy === 'traffic' && layout.groups % layout.nodes !== 0) {
      report(ctx.sink, 'placementTrafficNeedsGroups', { groups: layout.groups, nodes: layout.nodes }, d.spans['placement.policy'] ?? spec.span, { help: 'use `policy = default`, or expert groups that are a multiple of the nodes' });
      return undefined;
    }
    const m = loadMatrix(d, ctx, moe.layers.length, experts);
    if (!m) return undefined;
    const placement = placeLayers(m.loads, layout, spec.policy);
    const eplb = spec.policy === 'eplb' ? placement : placeLayers(m.loads, layout, 'eplb');
    const routing = ctx.result<{ dtypes?: { dispatchBytes?: unknown; combineBytes?: unknown } }>(d, 'routing');
    const db = routing?.dtypes?.dispatchBytes;
    const cb = routing?.dtypes?.combineBytes;
    return {
      source: m.source,
      policy: spec.policy,
      layout: { ...layout, experts, slotsPerGpu: layout.slots / layout.gpus, hierarchical: layout.groups % layout.nodes === 0 },
      placement,
      eplb: { imbalance: eplb.imbalance, maxImbalance: eplb.maxImbalance },
      pairBytes: typeof db === 'number' && typeof cb === 'number' ? d.model.hidden * (db + cb) : null,
      topK: moe.topK,
    };
  },
  toJson(r) {
    const p = r.placement;
    return {
      source: r.source,
      policy: r.policy,
      layout: r.layout,
      imbalance: p.imbalance,
      maxImbalance: p.maxImbalance,
      bound: p.bound,
      eplb: r.eplb,
      ...(p.pareto ? { pareto: p.pareto.map((q) => ({ ...q, ibBytesPerToken: r.pairBytes === null ? null : q.offNodeFraction * r.topK * r.pairBytes })) } : {}),
      layers: p.layers.map((l) => ({ phy2log: l.phy2log, replicas: l.replicas, gpuLoads: l.gpuLoads, imbalance: l.imbalance, bound: l.bound })),
    };
  },
  toMarkdown(r) {
    const p = r.placement;
    const L = r.layout;
    const f = (x: number) => x.toFixed(4);
    const out = [
      `Loads: ${r.source}; ${int(p.layers.length)} layers × ${int(L.experts)} routed experts on ${int(L.slots)} slots over ${int(L.gpus)} GPUs (${L.slotsPerGpu} each), ${int(L.groups)} groups, ${int(L.nodes)} node${L.nodes === 1 ? '' : 's'} — ${L.hierarchical ? 'whole groups per node: node-limited routing kept' : 'groups do not divide over nodes: global policy'}. Policy \`${r.policy}\`.`,
      '',
      '| | mean imbalance | worst layer |',
      '| --- | ---: | ---: |',
      `| \`${r.policy}\` | ${f(p.imbalance)} | ${f(p.maxImbalance)} |`,
      ...(r.policy === 'eplb' ? [] : [`| EPLB | ${f(r.eplb.imbalance)} | ${f(r.eplb.maxImbalance)} |`]),
      `| lower bound | ${f(p.bound)} | ${f(Math.max(...p.layers.map((l) => l.bound)))} |`,
      '',
      'Imbalance = busiest GPU / mean GPU load. The lower bound holds for every placement with whole groups per node (mean load, node floors over the best group partition, replica shares; docs/formulas.md)' + (r.policy === 'traffic' ? '; the traffic-aware mode may go below it by placing replicas off their node' : '') + '. Per-layer `phy2log`, replica counts and GPU loads are in report.json.',
    ];
    if (p.pareto) {
      out.push('', 'Traffic-aware Pareto points (replicas off their group\'s node; every off-node token-expert pair counted as an extra IB transfer, an upper bound):', '');
      out.push('| off-node slots per layer | mean imbalance | off-node share of routed tokens | extra IB per token |', '| ---: | ---: | ---: | ---: |');
      for (const q of p.pareto) out.push(`| ${q.offNodeSlots} | ${f(q.imbalance)} | ${percent(q.offNodeFraction)} | ${r.pairBytes === null ? '—' : si(q.offNodeFraction * r.topK * r.pairBytes, 'B')} |`);
    }
    return out.join('\n');
  },
};
