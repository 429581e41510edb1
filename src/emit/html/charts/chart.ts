/** What every chart module returns, and the look they share. */
import type { TopLevelSpec, Config } from 'vega-lite';

export interface Chart {
  /** Unique on the page: the prefix of the SVG's element ids and the anchor of its figure. */
  readonly id: string;
  readonly title: string;
  /** One or two sentences under the chart: what is drawn and where the numbers come from. */
  readonly caption: string;
  readonly spec: TopLevelSpec;
}

/** Plot area width in CSS pixels: two charts side by side in the page's 1120 px column. */
export const CHART_WIDTH = 390;

export const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';

/** Okabe–Ito: distinguishable with the common colour-vision deficiencies. */
export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000', '#999999'];

export const THEME: Config = {
  font: FONT,
  background: 'white',
  padding: 4,
  view: { stroke: null },
  axis: { labelFontSize: 11, titleFontSize: 11, titleFontWeight: 500, titleColor: '#333', labelColor: '#444', gridColor: '#eee', domainColor: '#999', tickColor: '#999' },
  legend: { labelFontSize: 11, titleFontSize: 11, titleFontWeight: 500, orient: 'bottom', direction: 'horizontal', columns: 3, symbolType: 'square', labelLimit: 260 },
  range: { category: PALETTE },
  text: { fontSize: 11 },
};

/** A Vega-Lite spec with the shared theme; `$schema` is left out so the page names no URL. */
type WithoutConfig<T> = T extends unknown ? Omit<T, 'config'> : never;

export function withTheme(spec: WithoutConfig<TopLevelSpec>): TopLevelSpec {
  return { ...spec, config: THEME } as TopLevelSpec;
}

/** `'~s'`-formatted numbers read `1.2G`; an engineer reads parameters and FLOPs as `1.2B`, `3.4T`. */
export const SI_LABEL = "replace(format(datum.value, '~s'), 'G', 'B')";

/** Stable, unique figure ids: `params-DeepSeekV3`. */
export function chartId(kind: string, ...names: string[]): string {
  return [kind, ...names].join('-').replace(/[^A-Za-z0-9_-]/g, '_');
}
