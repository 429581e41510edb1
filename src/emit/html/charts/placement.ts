/** Expert placement: load on every GPU of the expert-parallel group, per MoE layer, as a heatmap. */
import type { DeploymentJson } from '../data.js';
import { arrayAt, isFiniteNumber, isObject, numberAt } from '../data.js';
import { CHART_WIDTH, chartId, withTheme, type Chart } from './chart.js';

const numbers = (v: unknown): v is number[] => Array.isArray(v) && v.length > 0 && v.every(isFiniteNumber);

/** Rows of GPU loads, one per MoE layer: `placement.layers[i].gpuLoads` (src/passes/placement.ts). */
export function gpuLoadRows(d: DeploymentJson): { layer: string; loads: number[] }[] {
  const layers = arrayAt((d as Record<string, unknown>)['placement'], 'layers') ?? [];
  return layers.flatMap((l, i) => (isObject(l) && numbers(l['gpuLoads']) ? [{ layer: String(i), loads: l['gpuLoads'] }] : []));
}

export function placementChart(name: string, d: DeploymentJson): Chart | undefined {
  const rows = gpuLoadRows(d);
  if (rows.length === 0) return undefined;
  const values = rows.flatMap((r) => {
    const mean = r.loads.reduce((s, x) => s + x, 0) / r.loads.length || 1;
    return r.loads.map((x, gpu) => ({ layer: r.layer, gpu, load: x / mean }));
  });
  const gpus = Math.max(...rows.map((r) => r.loads.length));
  const worst = Math.max(...values.map((v) => v.load));
  const imbalance = numberAt((d as Record<string, unknown>)['placement'], 'imbalance');
  return {
    id: chartId('placement', name),
    title: 'Expert placement: load per GPU',
    caption: `Tokens each GPU's experts receive, relative to the mean (1 = perfectly balanced); the busiest GPU carries ${worst.toFixed(2)}×${imbalance !== undefined ? `, imbalance ${imbalance.toFixed(3)}` : ''}.`,
    spec: withTheme({
      width: CHART_WIDTH,
      height: rows.length === 1 ? 40 : { step: Math.max(4, Math.min(14, Math.floor(320 / rows.length))) },
      data: { values },
      mark: { type: 'rect' },
      encoding: {
        x: { field: 'gpu', type: 'ordinal', title: `GPU (${gpus} in the expert-parallel group)`, axis: { labelExpr: `datum.value % ${Math.max(1, Math.ceil(gpus / 16))} === 0 ? datum.label : ''`, labelAngle: 0 } },
        y: { field: 'layer', type: 'ordinal', title: rows.length === 1 ? null : 'MoE layer', sort: null, axis: rows.length > 24 ? { labelExpr: `datum.index % ${Math.ceil(rows.length / 12)} === 0 ? datum.label : ''` } : {} },
        color: { field: 'load', type: 'quantitative', title: 'load / mean', scale: { scheme: 'blueorange', domainMid: 1 }, legend: { orient: 'right', direction: 'vertical', gradientLength: 120 } },
      },
    }),
  };
}
