/** Parameters by component, total and activated per token: one stacked bar each, per model. */
import { asRecord, type ModelJson } from '../data.js';
import { CHART_WIDTH, SI_LABEL, chartId, withTheme, type Chart } from './chart.js';

/** The order components stack in, and how report.md names them. */
export const COMPONENT_LABELS: Record<string, string> = {
  embedding: 'embedding',
  head: 'output head',
  attention: 'attention',
  denseFfn: 'dense FFN',
  sharedExperts: 'shared experts',
  experts: 'routed experts',
  router: 'router',
  norms: 'norms',
};

export function paramsChart(name: string, m: ModelJson): Chart | undefined {
  const rows = (which: string, breakdown: Record<string, number>) =>
    Object.keys(COMPONENT_LABELS)
      .filter((k) => (breakdown[k] ?? 0) > 0)
      .map((k, order) => ({ bar: which, component: COMPONENT_LABELS[k]!, order, params: breakdown[k]! }));
  const values = [...rows('total', asRecord(m.params.breakdown)), ...rows('activated per token', asRecord(m.params.activatedBreakdown))];
  if (values.length === 0) return undefined;
  return {
    id: chartId('params', name),
    title: 'Parameters by component',
    caption: `All ${fmtCount(m.params.total)} parameters, and the ${fmtCount(m.params.activated)} a token activates (MTP modules excluded).`,
    spec: withTheme({
      width: CHART_WIDTH,
      height: 90,
      data: { values },
      mark: { type: 'bar', height: 30 },
      encoding: {
        y: { field: 'bar', type: 'nominal', title: null, sort: ['total', 'activated per token'] },
        x: { field: 'params', type: 'quantitative', stack: 'zero', title: 'parameters', axis: { labelExpr: SI_LABEL, tickCount: 6 } },
        color: { field: 'component', type: 'nominal', title: null, sort: Object.values(COMPONENT_LABELS) },
        order: { field: 'order', type: 'ordinal' },
      },
    }),
  };
}

function fmtCount(n: number): string {
  return n >= 1e9 ? `${(n / 1e9).toFixed(1)}B` : `${(n / 1e6).toFixed(1)}M`;
}
