/**
 * Vega-Lite → SVG, at build time. Charts are drawn here, in Node, rather than in the reader's browser:
 * report.html then needs no JavaScript, no chart library and no network to be read (it opens offline,
 * in a mail client or a locked-down viewer), every build of the same input writes the same bytes, and
 * a change to a figure shows up as a reviewable diff of the HTML.
 *
 * vega and vega-lite are loaded with a dynamic import on the first chart, so commands that draw no
 * chart (`kasc check`, `kasc report`) never pay for loading them.
 */
import type { TopLevelSpec } from 'vega-lite';

type Vega = typeof import('vega');
type VegaLite = typeof import('vega-lite');

let libraries: Promise<{ vega: Vega; vegaLite: VegaLite }> | undefined;

function loadLibraries(): Promise<{ vega: Vega; vegaLite: VegaLite }> {
  libraries ??= Promise.all([import('vega'), import('vega-lite')]).then(([vega, vegaLite]) => ({ vega, vegaLite }));
  return libraries;
}

/**
 * The chart as an `<svg>` element to inline in HTML. Element ids (clip paths, gradients) get `idPrefix`
 * so that several charts on one page never share one; the XML namespace declarations, which inline SVG
 * in HTML does not need, are dropped so that the page names no URL at all.
 */
export async function renderSvg(spec: TopLevelSpec, idPrefix: string, onWarning: (message: string) => void = () => {}): Promise<string> {
  const { vega, vegaLite } = await loadLibraries();
  // Warnings go to the caller, not to stderr: a chart the compiler had to guess at is a bug the tests
  // catch (test/e2e/html.test.ts), and never noise in `kasc build`'s output.
  const logger = vega.logger(vega.Warn, undefined, (_method, _level, args) => onWarning(`${idPrefix}: ${args.map(String).join(' ')}`));
  const compiled = vegaLite.compile(spec, { logger }).spec;
  // renderer 'none': no canvas; text is measured by vega's built-in estimate, the same on every machine.
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', logger });
  try {
    const svg = await view.toSVG();
    return inlineSvg(svg, idPrefix);
  } finally {
    view.finalize();
  }
}

export function inlineSvg(svg: string, idPrefix: string): string {
  return svg
    .replace(/\s+xmlns(:xlink)?="[^"]*"/g, '')
    .replace(/\bid="([^"]+)"/g, (_, id: string) => `id="${idPrefix}-${id}"`)
    .replace(/url\(#([^)]+)\)/g, (_, id: string) => `url(#${idPrefix}-${id})`)
    .replace(/(xlink:)?href="#([^"]+)"/g, (_, x: string | undefined, id: string) => `${x ?? ''}href="#${idPrefix}-${id}"`)
    .replace(/^<svg /, `<svg role="img" aria-labelledby="${idPrefix}-title" `);
}
