/**
 * The page around the charts: a header naming what was compiled, then one section per model, cluster
 * and deployment, each with its charts and key tables. Plain HTML and inline CSS only, so the file
 * opens anywhere, offline, and reads in print.
 */
import type { ClusterJson, DeploymentJson, ModelJson, ReportJson } from './data.js';
import { asRecord, isObject, isTrain, trainPrecision } from './data.js';
import { COMPONENT_LABELS } from './charts/params.js';
import { count, int, si } from '../report/format.js';

export interface RenderedChart {
  readonly id: string;
  readonly title: string;
  readonly caption: string;
  readonly svg: string;
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const e = escapeHtml;

type Cell = string | number | { readonly html: string };

function table(head: readonly string[], rows: readonly (readonly Cell[])[], caption?: string): string {
  const cell = (c: Cell, i: number, tag: 'td' | 'th') => `<${tag}${i > 0 ? ' class="num"' : ''}>${typeof c === 'object' ? c.html : e(String(c))}</${tag}>`;
  return [
    '<table>',
    caption ? `<caption>${e(caption)}</caption>` : '',
    `<thead><tr>${head.map((h, i) => cell(h, i, 'th')).join('')}</tr></thead>`,
    `<tbody>${rows.map((r) => `<tr>${r.map((c, i) => cell(c, i, 'td')).join('')}</tr>`).join('')}</tbody>`,
    '</table>',
  ].join('');
}

export function figure(c: RenderedChart): string {
  // As wide as its drawing, so that the caption wraps under it and two charts share a row.
  const width = /^<svg [^>]*?\bwidth="([\d.]+)"/.exec(c.svg)?.[1];
  return `<figure id="${e(c.id)}" class="chart"${width ? ` style="width:${width}px"` : ''}><h4 id="${e(c.id)}-title">${e(c.title)}</h4>${c.svg}<figcaption>${e(c.caption)}</figcaption></figure>`;
}

function figures(charts: readonly RenderedChart[]): string {
  return charts.length ? `<div class="charts">${charts.map(figure).join('')}</div>` : '';
}

function stat(label: string, value: string, sub?: string): string {
  return `<div class="stat"><div class="label">${e(label)}</div><div class="value">${e(value)}</div>${sub ? `<div class="sub">${e(sub)}</div>` : ''}</div>`;
}

/** Cluster-scale rates reach EFLOP/s, past the prefixes of format.ts. */
function flopRate(x: number): string {
  return x >= 1e18 ? `${(x / 1e18).toFixed(2)} EFLOP/s` : si(x, 'FLOP/s', 1);
}

function modelSummary(m: ModelJson): string {
  const a = m.architecture.attention;
  const attn = a.kind === 'mla' ? `MLA, ${a.heads} heads, KV latent ${a.kvLoraRank} + rope ${a.qkRopeDim}` : `${a.kind.toUpperCase()}, ${a.heads} heads, ${a.kvHeads} KV heads × ${a.headDim}`;
  const moe = m.architecture.moe;
  const moeText = moe
    ? `${m.architecture.moeLayers} MoE layers: ${moe.shared} shared + ${moe.routed} routed experts, top-${moe.topK}${moe.groups ? `, ${moe.groups.count} groups choose ${moe.groups.choose}` : ''}, ${moe.router} router`
    : 'dense FFN';
  return `${m.architecture.layers} layers, hidden ${int(m.architecture.hidden)}, vocab ${int(m.architecture.vocab)}; ${attn}; ${moeText}.`;
}

export function modelSection(name: string, m: ModelJson, charts: readonly RenderedChart[]): string {
  const p = m.params;
  const breakdown = asRecord(p.breakdown);
  const activated = asRecord(p.activatedBreakdown);
  const kv = m.kvCache.bytesPerTokenByDtype;
  const stats = [
    stat('parameters', count(p.total), 'total'),
    stat('activated', count(p.activated), 'per token'),
    stat('KV cache', si(m.kvCache.bytesPerToken, 'B', 1), `per token, ${m.kvCache.dtype}`),
    stat('training', si(m.flops.trainPerToken, 'FLOP', 0), 'per token'),
  ];
  const paramsTable = table(
    ['component', 'total', 'activated per token'],
    [
      ...Object.keys(COMPONENT_LABELS)
        .filter((k) => (breakdown[k] ?? 0) !== 0)
        .map((k) => [COMPONENT_LABELS[k]!, int(breakdown[k]!), int(activated[k] ?? 0)]),
      [{ html: '<strong>all</strong>' }, { html: `<strong>${int(p.total)}</strong>` }, { html: `<strong>${int(p.activated)}</strong>` }],
    ],
    'Parameters',
  );
  const kvTable = table(
    ['dtype', 'bytes per token', ''],
    Object.entries(kv).map(([d, b]) => [d, int(b), si(b, 'B', 1)]),
    `KV cache (${int(m.kvCache.elementsPerTokenPerLayer)} elements per token per layer × ${m.architecture.layers} layers)`,
  );
  const f = m.flops;
  const flopsTable = table(
    ['', 'FLOP per token'],
    [
      ['forward, weights', si(f.forwardMatmulPerToken, 'FLOP')],
      ['forward, attention (causal)', si(f.forwardAttentionPerToken, 'FLOP')],
      [{ html: '<strong>forward</strong>' }, si(f.forwardPerToken, 'FLOP')],
      [{ html: '<strong>training</strong> (3 × forward)' }, si(f.trainPerToken, 'FLOP')],
    ],
    `FLOPs at sequence ${int(f.sequence)}`,
  );
  return section(`model-${name}`, 'Model', name, [
    `<p class="lead">${e(modelSummary(m))}</p>`,
    `<div class="stats">${stats.join('')}</div>`,
    figures(charts),
    `<div class="tables">${paramsTable}${kvTable}${flopsTable}</div>`,
  ]);
}

export function clusterSection(name: string, c: ClusterJson, charts: readonly RenderedChart[]): string {
  const g = c.gpuSpec;
  const peaks = Object.entries(g.peakFlopsPerSecond).map(([k, v]) => `${k} ${si(v as number, 'FLOP/s', 0)}`).join(', ');
  const stats = [
    stat('GPUs', int(c.gpus), `${int(c.nodes)} × ${c.node}`),
    stat('HBM', si(c.hbmBytes, 'B', 1), `${si(g.memoryBytes, 'B', 0)} per ${c.gpu}`),
    stat('peak, bf16', flopRate(asRecord(c.peakFlopsPerSecond)['bf16'] ?? 0), 'whole cluster'),
  ];
  const n: unknown = c.network;
  const rows: Cell[][] = [];
  if (isObject(n)) {
    for (const which of ['deployed', 'capacity'] as const) {
      const s = n[which];
      if (!isObject(s)) continue;
      const cost = typeof s['costUSD'] === 'number' ? `$${(s['costUSD'] / 1e6).toFixed(2)}M` : '—';
      rows.push([which === 'deployed' ? 'this cluster' : 'full capacity', int(Number(s['endpoints'])), int(Number(s['switches'])), int(Number(s['links'])), cost]);
    }
  }
  const topology = isObject(n) && typeof n['topology'] === 'string' ? n['topology'].toUpperCase() : '';
  return section(`cluster-${name}`, 'Cluster', name, [
    `<p class="lead">${e(`${int(c.nodes)} × ${c.node}: ${c.gpusPerNode} × ${c.gpu} and ${c.nicsPerNode} NICs per node. One ${c.gpu}: ${si(g.memoryBytes, 'B', 0)} at ${si(g.hbmBytesPerSecond, 'B/s')}; ${peaks}.`)}</p>`,
    `<div class="stats">${stats.join('')}</div>`,
    figures(charts),
    rows.length ? `<div class="tables">${table(['', 'endpoints', 'switches', 'links', 'cost'], rows, `Network (${topology})`)}</div>` : '',
  ]);
}

function deploymentSummary(d: DeploymentJson): string {
  const p = d.parallel;
  const par = `pipeline ${p.pipeline} (${p.schedule}), tensor ${p.tensor}, expert ${p.expert}, data ${p.data}`;
  if (isTrain(d)) {
    return `${d.model} on ${d.cluster} (${int(d.gpus)} GPUs): ${int(d.batch)} × ${int(d.sequence)} tokens = ${int(d.tokensPerStep)} tokens per step; ${par}; ${trainPrecision(d)} precision${d.maxNodes !== null ? `; at most ${d.maxNodes} nodes per token` : ''}.`;
  }
  return `${d.model} on ${d.cluster} (${int(d.gpus)} GPUs), ${d.phase}${d.tokensPerDevice !== null ? `, ${d.tokensPerDevice} tokens per device` : ''}${d.context !== null ? `, context ${int(d.context)}` : ''}; weights ${d.dtypes.weights}, KV cache ${d.dtypes.kvCache}, dispatch ${d.dtypes.dispatch}, combine ${d.dtypes.combine}; ${par}.`;
}

/** The scalar figures of each co-design pass's JSON, flattened (`memory.weights` → 12.3 G), for reading. */
function passFigures(d: DeploymentJson, passNames: readonly string[]): string {
  const out: string[] = [];
  for (const pass of passNames) {
    const rows: Cell[][] = [];
    const walk = (v: unknown, key: string, depth: number) => {
      if (rows.length >= 40) return;
      if (typeof v === 'number') rows.push([key, Number.isInteger(v) ? int(v) : Number(v.toPrecision(4)).toString()]);
      else if (typeof v === 'string' || typeof v === 'boolean') rows.push([key, String(v)]);
      else if (isObject(v) && depth < 3) for (const [k, x] of Object.entries(v)) walk(x, key ? `${key}.${k}` : k, depth + 1);
    };
    walk((d as Record<string, unknown>)[pass], '', 0);
    if (rows.length) out.push(table(['figure', 'value'], rows, pass));
  }
  return out.length ? `<details><summary>Figures from the co-design passes</summary><div class="tables">${out.join('')}</div></details>` : '';
}

export function deploymentSection(name: string, d: DeploymentJson, passNames: readonly string[], charts: readonly RenderedChart[]): string {
  return section(`deployment-${name}`, d.kind === 'train' ? 'Training' : 'Serving', name, [
    `<p class="lead">${e(deploymentSummary(d))}</p>`,
    figures(charts),
    passFigures(d, passNames),
  ]);
}

function section(id: string, kind: string, name: string, body: readonly string[]): string {
  return `<section id="${e(id.replace(/[^A-Za-z0-9_-]/g, '_'))}"><h2><span class="kind">${e(kind)}</span> ${e(name)}</h2>${body.filter(Boolean).join('\n')}</section>`;
}

const CSS = `
:root{--fg:#1d2330;--muted:#5b6475;--line:#e3e6ec;--bg:#f6f7f9;--accent:#0072B2}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
header{background:#1d2330;color:#fff;padding:20px 0 16px}
.wrap{max-width:1120px;margin:0 auto;padding:0 24px}
header h1{margin:0;font-size:20px;font-weight:600;letter-spacing:.2px}
header .source{color:#aab3c5;font:13px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;margin-top:2px}
header nav{margin-top:12px;display:flex;flex-wrap:wrap;gap:6px}
header nav a{color:#fff;text-decoration:none;background:#2e3648;border-radius:4px;padding:3px 9px;font-size:12.5px}
header nav a span{color:#aab3c5;margin-right:5px}
section{background:#fff;border:1px solid var(--line);border-radius:8px;margin:20px 0;padding:18px 22px 8px}
h2{margin:0 0 6px;font-size:18px;font-weight:600}
h2 .kind{color:var(--muted);font-weight:500;text-transform:uppercase;font-size:12px;letter-spacing:.8px;margin-right:6px;vertical-align:2px}
p.lead{margin:0 0 12px;color:#333}
.stats{display:flex;flex-wrap:wrap;gap:10px;margin:4px 0 14px}
.stat{border:1px solid var(--line);border-radius:6px;padding:8px 14px;min-width:150px}
.stat .label{color:var(--muted);font-size:11.5px;text-transform:uppercase;letter-spacing:.6px}
.stat .value{font-size:22px;font-weight:600;font-variant-numeric:tabular-nums}
.stat .sub{color:var(--muted);font-size:12px}
.charts{display:flex;flex-wrap:wrap;gap:14px 20px;margin:6px 0 10px}
figure.chart{margin:0;flex:0 1 auto;max-width:100%}
figure.chart h4{margin:4px 0 6px;font-size:13.5px;font-weight:600}
figure.chart svg{display:block;max-width:100%;height:auto}
figcaption{color:var(--muted);font-size:12.5px;margin:4px 0 8px}
.tables{display:flex;flex-wrap:wrap;gap:14px 28px;align-items:flex-start;margin:8px 0 12px}
table{border-collapse:collapse;font-size:13px;font-variant-numeric:tabular-nums}
caption{text-align:left;font-weight:600;font-size:13px;padding-bottom:4px}
th{font-weight:500;color:var(--muted);text-align:left;border-bottom:1px solid #cfd4dc;padding:3px 10px 3px 0}
td{border-bottom:1px solid var(--line);padding:3px 10px 3px 0}
.num{text-align:right}
details{margin:4px 0 12px}
summary{cursor:pointer;color:var(--muted)}
footer{color:var(--muted);font-size:12px;padding:4px 0 28px}
@media print{body{background:#fff}section{break-inside:avoid;border:0}header{background:#fff;color:#000}}
`;

/** `V3Pretrain: DeepSeekV3 on DeepSeekH800`, or the models and clusters when nothing is deployed. */
function headline(r: ReportJson): string {
  const deployments = Object.entries(r.deployments);
  if (deployments.length === 1) {
    const [n, d] = deployments[0]!;
    return `${n}: ${d.model} on ${d.cluster}`;
  }
  const names = deployments.length ? deployments.map(([n]) => n) : [...Object.keys(r.models), ...Object.keys(r.clusters)];
  return names.length ? names.join(', ') : 'kasc report';
}

export function page(r: ReportJson, sections: readonly string[]): string {
  const nav = [
    ...Object.keys(r.models).map((n) => ['model', `model-${n}`, n]),
    ...Object.keys(r.clusters).map((n) => ['cluster', `cluster-${n}`, n]),
    ...Object.entries(r.deployments).map(([n, d]) => [d.kind, `deployment-${n}`, n]),
  ]
    .map(([kind, id, n]) => `<a href="#${e(id!.replace(/[^A-Za-z0-9_-]/g, '_'))}"><span>${e(kind!)}</span>${e(n!)}</a>`)
    .join('');
  const names = [...Object.keys(r.deployments), ...Object.keys(r.models)];
  return [
    '<!DOCTYPE html>',
    `<!-- generated by ${e(r.generator)} from ${e(r.source)}; do not edit -->`,
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${e(names.length ? `${names[0]} — kasc report` : 'kasc report')}</title>`,
    `<style>${CSS.trim()}</style>`,
    '</head>',
    '<body>',
    `<header><div class="wrap"><h1>${e(headline(r))}</h1><div class="source">kasc report · ${e(r.source)}</div>${nav ? `<nav>${nav}</nav>` : ''}</div></header>`,
    '<main class="wrap">',
    sections.length ? sections.join('\n') : '<section><p>This file declares no model, cluster or deployment.</p></section>',
    '</main>',
    `<footer class="wrap">Generated by ${e(r.generator)} from ${e(r.source)}. The same figures are in report.json and report.md; docs/formulas.md gives every formula.</footer>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
