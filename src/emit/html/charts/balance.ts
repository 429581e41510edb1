/** Load balancing (`balance`): MaxVio over training steps for each controller the pass simulated. */
import type { DeploymentJson } from '../data.js';
import { arrayAt, isObject, numberAt } from '../data.js';
import { CHART_WIDTH, chartId, withTheme, type Chart } from './chart.js';

const METHOD_LABELS: Record<string, string> = { none: 'no balancing', bias_update: 'bias update (loss-free)', aux_loss: 'auxiliary loss' };

export function balanceChart(name: string, d: DeploymentJson): Chart | undefined {
  const b = (d as Record<string, unknown>)['balance'];
  const values = (arrayAt(b, 'controllers') ?? []).filter(isObject).flatMap((c) => {
    const method = typeof c['method'] === 'string' ? c['method'] : '?';
    const label = `${METHOD_LABELS[method] ?? method}${c['declared'] === true ? ' (declared)' : ''}`;
    return (arrayAt(c, 'checkpoints') ?? []).filter(isObject).flatMap((p) => {
      const step = numberAt(p, 'step');
      const maxVio = numberAt(p, 'maxVio');
      return step !== undefined && maxVio !== undefined && step > 0 ? [{ method: label, step, maxVio }] : [];
    });
  });
  if (values.length === 0) return undefined;
  const tolerance = numberAt(b, 'sim.tolerance');
  return {
    id: chartId('balance', name),
    title: 'Expert load balance over training',
    caption: `MaxVio (busiest expert's load over the mean, minus 1) of a simulated batch at each step${tolerance !== undefined ? `; dashed: the tolerance ${tolerance}` : ''}. Synthetic routing, see report.md.`,
    spec: withTheme({
      width: CHART_WIDTH,
      height: 200,
      layer: [
        {
          data: { values },
          mark: { type: 'line', point: { size: 30, filled: true }, strokeWidth: 2 },
          encoding: {
            x: { field: 'step', type: 'quantitative', scale: { type: 'log' }, title: 'training step' },
            y: { field: 'maxVio', type: 'quantitative', title: 'MaxVio' },
            color: { field: 'method', type: 'nominal', title: null, sort: null, legend: { columns: 2, labelLimit: 300 } },
          },
        },
        ...(tolerance !== undefined
          ? [{ data: { values: [{ maxVio: tolerance }] }, mark: { type: 'rule' as const, color: '#888', strokeDash: [4, 3] }, encoding: { y: { field: 'maxVio', type: 'quantitative' as const } } }]
          : []),
      ],
    }),
  };
}
