/**
 * The network comparison: every fat tree in the report (each cluster as built and at full capacity,
 * and any alternative topologies the network model priced), by cost and switches per endpoint.
 */
import type { ReportJson } from '../data.js';
import { arrayAt, isObject, numberAt } from '../data.js';
import { withTheme, type Chart } from './chart.js';

interface NetworkRow {
  readonly network: string;
  readonly endpoints: number;
  readonly switches: number;
  readonly costUSD: number | null;
}

export function networkRows(r: ReportJson): NetworkRow[] {
  const rows: NetworkRow[] = [];
  const add = (network: string, size: unknown) => {
    const endpoints = numberAt(size, 'endpoints');
    const switches = numberAt(size, 'switches');
    if (endpoints === undefined || switches === undefined || endpoints <= 0) return;
    rows.push({ network, endpoints, switches, costUSD: numberAt(size, 'costUSD') ?? null });
  };
  for (const [name, c] of Object.entries(r.clusters)) {
    const n: unknown = c.network;
    const topo = String((isObject(n) && n['topology']) || '?').toUpperCase();
    add(`${name}: ${topo} as built (${c.nodes} nodes)`, isObject(n) ? n['deployed'] : undefined);
    add(`${name}: ${topo} full capacity`, isObject(n) ? n['capacity'] : undefined);
    // Alternatives priced by the network model for the same endpoints (ISCA Table 3): FT2, FT3, SF, DF…
    for (const alt of arrayAt(n, 'comparison', 'alternatives', 'topologies') ?? []) {
      if (!isObject(alt)) continue;
      const label = alt['name'] ?? alt['topology'];
      if (typeof label === 'string') add(`${name}: ${label.toUpperCase()}`, alt);
    }
  }
  return rows;
}

export function networkChart(r: ReportJson): Chart | undefined {
  const rows = networkRows(r);
  // A comparison needs two networks that differ per endpoint (a cluster built to its full capacity
  // compares with nothing).
  const key = (x: NetworkRow) => `${x.switches / x.endpoints}/${x.costUSD === null ? '' : x.costUSD / x.endpoints}`;
  if (new Set(rows.map(key)).size < 2) return undefined;
  const priced = rows.every((x) => x.costUSD !== null);
  const values = rows.map((x) => ({
    network: x.network,
    cost: x.costUSD === null ? null : x.costUSD / x.endpoints / 1e3,
    switches: (x.switches / x.endpoints) * 1000,
  }));
  const panel = (field: string, title: string, labels: boolean) => ({
    width: priced ? 150 : 300,
    height: { step: 20 },
    layer: [
      {
        mark: { type: 'bar' as const, color: '#0072B2' },
        encoding: {
          y: { field: 'network', type: 'nominal' as const, title: null, sort: null, axis: labels ? { labelLimit: 300 } : null },
          x: { field, type: 'quantitative' as const, title },
        },
      },
      {
        mark: { type: 'text' as const, align: 'left' as const, dx: 3, fontSize: 10 },
        encoding: {
          y: { field: 'network', type: 'nominal' as const, sort: null },
          x: { field, type: 'quantitative' as const },
          text: { field, type: 'quantitative' as const, format: '.3~r' },
        },
      },
    ],
  });
  return {
    id: 'network',
    title: 'Network comparison',
    caption: `Every network in this report, per endpoint (a NIC port), sized as in ISCA '25 Table 3${priced ? '; cost from the declared switch and link prices' : ''}.`,
    spec: withTheme({
      data: { values },
      hconcat: priced ? [panel('cost', 'cost per endpoint (k$)', true), panel('switches', 'switches per 1,000 endpoints', false)] : [panel('switches', 'switches per 1,000 endpoints', true)],
      spacing: 30,
    }),
  };
}
