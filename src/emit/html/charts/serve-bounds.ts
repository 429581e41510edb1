/** Decode time per output token (`serve.bounds`): the all-to-all, HBM and compute bounds side by side. */
import type { DeploymentJson } from '../data.js';
import { numberAt } from '../data.js';
import { CHART_WIDTH, chartId, withTheme, type Chart } from './chart.js';

export function serveBoundsChart(name: string, d: DeploymentJson): Chart | undefined {
  const s = (d as Record<string, unknown>)['serve'];
  const tpot = numberAt(s, 'tpotSeconds');
  if (tpot === undefined) return undefined;
  const binding = (s as Record<string, unknown>)['binding'];
  const bounds = [
    { key: 'comm', bound: 'all-to-all', seconds: numberAt(s, 'bounds.comm.tpotSeconds') },
    { key: 'hbm', bound: 'HBM (weights + KV)', seconds: numberAt(s, 'bounds.hbm.tpotSeconds') },
    { key: 'compute', bound: 'compute', seconds: numberAt(s, 'bounds.compute.tpotSeconds') },
  ].flatMap((b) => (b.seconds !== undefined && b.seconds > 0 ? [{ bound: b.bound, ms: b.seconds * 1e3, binds: b.key === binding ? 'binds' : 'does not bind' }] : []));
  if (bounds.length === 0) return undefined;
  const perSecond = numberAt(s, 'tokensPerSecond');
  return {
    id: chartId('tpot', name),
    title: 'Time per output token',
    caption: `TPOT ${(tpot * 1e3).toFixed(2)} ms${perSecond !== undefined ? ` (${perSecond.toFixed(1)} tokens/s per request)` : ''}; each bar is the time one resource alone would need per decode step.`,
    spec: withTheme({
      width: CHART_WIDTH,
      height: { step: 24 },
      data: { values: bounds },
      layer: [
        {
          mark: { type: 'bar' },
          encoding: {
            y: { field: 'bound', type: 'nominal', title: null, sort: null },
            x: { field: 'ms', type: 'quantitative', title: 'ms per token' },
            color: { field: 'binds', type: 'nominal', title: null, scale: { domain: ['binds', 'does not bind'], range: ['#D55E00', '#9bb8d3'] } },
          },
        },
        {
          mark: { type: 'text', align: 'left', dx: 3, fontSize: 10 },
          encoding: { y: { field: 'bound', type: 'nominal', sort: null }, x: { field: 'ms', type: 'quantitative' }, text: { field: 'ms', type: 'quantitative', format: '.3~r' } },
        },
      ],
    }),
  };
}
