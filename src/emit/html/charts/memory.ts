/**
 * Memory per GPU, stacked by kind, against the GPU's capacity: `train.memory` (weights, gradients,
 * optimizer states, activations of the busiest pipeline stage) or `serve.memory` (weights, and the KV
 * cache of the requests in flight).
 */
import type { ClusterJson, DeploymentJson } from '../data.js';
import { numberAt } from '../data.js';
import { CHART_WIDTH, PALETTE, chartId, withTheme, type Chart } from './chart.js';

/** Bytes per GPU by kind, in stacking order; empty when neither model ran. */
export function memoryKinds(d: DeploymentJson): { kind: string; bytes: number }[] {
  const rec = d as Record<string, unknown>;
  const kinds: [string, number | undefined][] = rec['train']
    ? [
        ['weights', numberAt(rec['train'], 'memory.weights')],
        ['gradients', numberAt(rec['train'], 'memory.gradients')],
        ['optimizer states', numberAt(rec['train'], 'memory.optimizer')],
        ['activations', numberAt(rec['train'], 'memory.activations')],
      ]
    : [
        ['weights', numberAt(rec['serve'], 'memory.weightBytesPerGpu')],
        ['KV cache in flight', numberAt(rec['serve'], 'memory.inFlightKvBytesPerGpu')],
      ];
  return kinds.filter((k): k is [string, number] => k[1] !== undefined && k[1] > 0).map(([kind, bytes]) => ({ kind, bytes }));
}

export function memoryChart(name: string, d: DeploymentJson, c: ClusterJson): Chart | undefined {
  const kinds = memoryKinds(d);
  if (kinds.length === 0) return undefined;
  const capacity = numberAt((d as Record<string, unknown>)['train'], 'memory.capacity') ?? c.gpuSpec.memoryBytes;
  const total = kinds.reduce((s, k) => s + k.bytes, 0);
  const gb = (v: number) => v / 1e9;
  const over = total > capacity;
  const values = kinds.map((k, order) => ({ gpu: 'one GPU', kind: k.kind, order, gb: gb(k.bytes) }));
  const xMax = Math.max(gb(capacity), gb(total)) * 1.08;
  return {
    id: chartId('memory', name),
    title: 'Memory per GPU',
    caption: `${gb(total).toFixed(1)} GB of the ${gb(capacity).toFixed(0)} GB of one ${c.gpu} (${((total / capacity) * 100).toFixed(0)}%)${over ? ': does not fit' : ''}${(d as Record<string, unknown>)['train'] ? ', on the busiest pipeline stage' : ''}.`,
    spec: withTheme({
      width: CHART_WIDTH,
      height: 56,
      layer: [
        {
          data: { values },
          mark: { type: 'bar', height: 26 },
          encoding: {
            y: { field: 'gpu', type: 'nominal', title: null, axis: null },
            x: { field: 'gb', type: 'quantitative', stack: 'zero', title: 'GB', scale: { domain: [0, xMax], nice: false } },
            color: { field: 'kind', type: 'nominal', title: null, sort: values.map((v) => v.kind), scale: { range: PALETTE } },
            order: { field: 'order', type: 'ordinal' },
          },
        },
        {
          data: { values: [{ gb: gb(capacity), label: `${c.gpu} ${gb(capacity).toFixed(0)} GB` }] },
          layer: [
            { mark: { type: 'rule', color: '#D55E00', strokeWidth: 2, strokeDash: [4, 3] }, encoding: { x: { field: 'gb', type: 'quantitative' } } },
            { mark: { type: 'text', align: 'right', baseline: 'bottom', dx: -4, y: 0, dy: -2, fontSize: 10, color: '#D55E00' }, encoding: { x: { field: 'gb', type: 'quantitative' }, text: { field: 'label' } } },
          ],
        },
      ],
    }),
  };
}
