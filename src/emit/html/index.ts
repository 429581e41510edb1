/**
 * report.html — the report for a person with a browser: the figures of report.json drawn as charts
 * (Vega-Lite, rendered to inline SVG at build time: see svg.ts for why), and the key tables. One
 * self-contained file: inline CSS and SVG, no script, no font, no URL.
 *
 * Every chart is a function of the report.json object that returns undefined when its data is absent,
 * so a chart appears as soon as the pass that computes its data lands, and no empty frame is drawn.
 */
import type { ReportJson } from './data.js';
import type { Chart } from './charts/chart.js';
import { paramsChart } from './charts/params.js';
import { rooflineChart } from './charts/roofline.js';
import { memoryChart } from './charts/memory.js';
import { stepTimeChart } from './charts/step-time.js';
import { placementChart } from './charts/placement.js';
import { routingChart } from './charts/routing.js';
import { networkChart } from './charts/network.js';
import { balanceChart } from './charts/balance.js';
import { serveBoundsChart } from './charts/serve-bounds.js';
import { renderSvg } from './svg.js';
import { clusterSection, deploymentSection, modelSection, page, type RenderedChart } from './page.js';

const SETTINGS_KEYS = new Set(['kind', 'model', 'cluster', 'gpus', 'parallel', 'maxNodes', 'sequence', 'batch', 'tokensPerStep', 'tokens', 'precision', 'recompute', 'phase', 'tokensPerDevice', 'context', 'dtypes', 'overlap']);

/** Every chart of the report, grouped by the section it belongs to, in page order. */
export function reportCharts(r: ReportJson): { models: Map<string, Chart[]>; clusters: Map<string, Chart[]>; deployments: Map<string, Chart[]> } {
  const defined = (xs: (Chart | undefined)[]) => xs.filter((x): x is Chart => x !== undefined);
  const models = new Map(Object.entries(r.models).map(([n, m]) => [n, defined([paramsChart(n, m)])]));
  const network = networkChart(r);
  const clusterNames = Object.keys(r.clusters);
  // The network comparison spans every cluster: it goes with the last one.
  const clusters = new Map(clusterNames.map((n, i) => [n, defined([i === clusterNames.length - 1 ? network : undefined])]));
  const deployments = new Map(
    Object.entries(r.deployments).map(([n, d]) => {
      const m = r.models[d.model];
      const c = r.clusters[d.cluster];
      return [
        n,
        defined([
          c ? memoryChart(n, d, c) : undefined,
          stepTimeChart(n, d),
          serveBoundsChart(n, d),
          m && c ? rooflineChart(n, d, m, c) : undefined,
          routingChart(n, d),
          placementChart(n, d),
          balanceChart(n, d),
        ]),
      ];
    }),
  );
  return { models, clusters, deployments };
}

export interface HtmlOptions {
  /** Called with every warning Vega-Lite or Vega gives while drawing (none is expected). */
  readonly onWarning?: (message: string) => void;
}

export async function renderReportHtml(r: ReportJson, options: HtmlOptions = {}): Promise<string> {
  const groups = reportCharts(r);
  const render = async (charts: readonly Chart[]): Promise<RenderedChart[]> => {
    const out: RenderedChart[] = [];
    // One at a time, in page order: vega's renderer is not needed in parallel and the order is stable.
    for (const c of charts) out.push({ id: c.id, title: c.title, caption: c.caption, svg: await renderSvg(c.spec, c.id, options.onWarning) });
    return out;
  };
  const sections: string[] = [];
  for (const [n, d] of Object.entries(r.deployments)) {
    const passes = Object.keys(d).filter((k) => !SETTINGS_KEYS.has(k));
    sections.push(deploymentSection(n, d, passes, await render(groups.deployments.get(n) ?? [])));
  }
  for (const [n, m] of Object.entries(r.models)) sections.push(modelSection(n, m, await render(groups.models.get(n) ?? [])));
  for (const [n, c] of Object.entries(r.clusters)) sections.push(clusterSection(n, c, await render(groups.clusters.get(n) ?? [])));
  return page(r, sections);
}
