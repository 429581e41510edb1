/**
 * Node-limited routing (`routing`): the nodes a token's experts span under each `max_nodes` limit,
 * from the routing pass' Monte Carlo (skewed gate) and its uniform-routing analytic model, with the
 * deployment's own limit marked and unrestricted top-k for reference.
 */
import type { DeploymentJson } from '../data.js';
import { arrayAt, isObject, numberAt } from '../data.js';
import { CHART_WIDTH, chartId, withTheme, type Chart } from './chart.js';

export function nodesPerTokenRows(d: DeploymentJson): { limit: number; model: string; nodes: number }[] {
  const r = (d as Record<string, unknown>)['routing'];
  const skew = numberAt(r, 'monteCarlo.skew');
  const rows = (arrayAt(r, 'monteCarlo.byLimit') ?? []).filter(isObject);
  return rows.flatMap((row) => {
    const limit = numberAt(row, 'maxNodes');
    if (limit === undefined) return [];
    const out: { limit: number; model: string; nodes: number }[] = [];
    const mc = numberAt(row, 'distinctNodes');
    const uniform = numberAt(row, 'analyticDistinctNodes');
    if (mc !== undefined) out.push({ limit, model: `Monte Carlo${skew !== undefined ? `, skew ${skew}` : ''}`, nodes: mc });
    if (uniform !== undefined) out.push({ limit, model: 'uniform routing (analytic)', nodes: uniform });
    return out;
  });
}

export function routingChart(name: string, d: DeploymentJson): Chart | undefined {
  const rows = nodesPerTokenRows(d);
  if (rows.length === 0) return undefined;
  const r = (d as Record<string, unknown>)['routing'];
  const chosen = numberAt(r, 'layout.effectiveMaxNodes');
  const unrestricted = numberAt(r, 'monteCarlo.unrestricted.distinctNodes');
  const saving = numberAt(r, 'ibSaving.monteCarlo');
  const topK = numberAt(r, 'layout.topK');
  const limits = new Set(rows.map((row) => row.limit)).size;
  const every = Math.ceil(limits / 12);
  const x = { field: 'limit', type: 'ordinal' as const, title: 'max_nodes', axis: { labelAngle: 0, ...(every > 1 ? { labelExpr: `datum.value === 1 || datum.value % ${every} === 0 ? datum.label : ''` } : {}) } };
  const layers: object[] = [
    ...(chosen !== undefined
      ? [{ data: { values: [{ limit: chosen }] }, mark: { type: 'bar', color: '#f1e6cf', width: { band: 0.9 } }, encoding: { x } }]
      : []),
    {
      data: { values: rows },
      mark: { type: 'line', point: { size: 40, filled: true }, strokeWidth: 2 },
      encoding: {
        x,
        y: { field: 'nodes', type: 'quantitative', title: 'nodes a token reaches' },
        color: { field: 'model', type: 'nominal', title: null, sort: null, scale: { range: ['#0072B2', '#E69F00'] } },
      },
    },
    ...(unrestricted !== undefined
      ? [
          {
            data: { values: [{ nodes: unrestricted, label: `unrestricted top-${topK ?? 'k'}: ${unrestricted.toFixed(2)}` }] },
            layer: [
              { mark: { type: 'rule', color: '#888', strokeDash: [4, 3] }, encoding: { y: { field: 'nodes', type: 'quantitative' } } },
              { mark: { type: 'text', align: 'left', baseline: 'bottom', x: 4, dy: -2, fontSize: 10, color: '#555' }, encoding: { y: { field: 'nodes', type: 'quantitative' }, text: { field: 'label' } } },
            ],
          },
        ]
      : []),
  ];
  return {
    id: chartId('routing', name),
    title: 'Nodes per token under node-limited routing',
    caption: `Mean nodes a token's routed experts span, for each limit${chosen !== undefined ? `; this deployment's limit (${chosen}) is shaded` : ''}. Each node reached is one InfiniBand transfer${saving !== undefined ? `; the limit saves ${(saving * 100).toFixed(1)}% of the IB bytes of unrestricted routing` : ''}.`,
    spec: withTheme({ width: CHART_WIDTH, height: 200, layer: layers } as never),
  };
}
