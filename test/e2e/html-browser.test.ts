/**
 * report.html in a real browser: Debian's Chromium (/usr/bin/chromium, installed by
 * scripts/ensure-system-packages.sh, npm's `pretest`) driven by playwright-core. The page loads with
 * no console error, every chart is drawn with a size, and a screenshot is kept in test-artifacts/ for
 * a person to look at. Without the browser the test is skipped locally and fails when CI is set.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const KASC = path.join(ROOT, 'bin', 'kasc.js');
const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = path.join(ROOT, 'test-artifacts');
const haveBrowser = fs.existsSync(CHROMIUM);

/** Charts the V3 training example draws: memory, step time, roofline, routing, balance (train), parameters (model). */
const V3_TRAIN_MIN_CHARTS = 4;

const CASES = [
  { file: 'examples/deepseek-v3-train.kas', screenshot: 'report.png', minCharts: V3_TRAIN_MIN_CHARTS },
  { file: 'examples/deepseek-v3-serve.kas', screenshot: 'report-serve.png', minCharts: 2 },
  { file: 'examples/fire-flyer-train.kas', screenshot: 'report-fire-flyer.png', minCharts: 2 },
];

let tmp: string;
let context: BrowserContext | undefined;

beforeAll(async () => {
  if (!haveBrowser) return;
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kasc-browser-'));
  context = await chromium.launchPersistentContext(path.join(tmp, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1200, height: 900 },
    offline: true,
  });
});
afterAll(async () => {
  await context?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('report.html in Chromium', () => {
  // Always runs, so CI never reports this file as skipped: with CI set, a missing browser is a failure.
  it('has a browser wherever CI runs', () => {
    if (process.env['CI']) expect(haveBrowser, `${CHROMIUM} is missing: scripts/ensure-system-packages.sh (npm pretest) installs it`).toBe(true);
  });

  it.skipIf(!haveBrowser).each(CASES)('$file: no console error, every chart drawn with a size', async ({ file, screenshot, minCharts }) => {
    const out = path.join(tmp, path.basename(file, '.kas'));
    const build = spawnSync(process.execPath, [KASC, 'build', file, '-o', out, '--emit', 'html'], { cwd: ROOT, encoding: 'utf8' });
    expect(build.status, build.stderr).toBe(0);

    const page = await context!.newPage();
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') errors.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
    page.on('request', (r) => {
      if (!r.url().startsWith('file:')) errors.push(`request: ${r.url()}`);
    });
    await page.goto(pathToFileURL(path.join(out, 'report.html')).href, { waitUntil: 'load' });

    const charts = await page.$$eval('figure.chart', (figs) =>
      figs.map((f) => {
        const svg = f.querySelector('svg');
        const box = svg?.getBoundingClientRect();
        return { id: f.id, width: box?.width ?? 0, height: box?.height ?? 0, marks: svg?.querySelectorAll('path, line, text, rect').length ?? 0 };
      }),
    );
    expect(charts.length, `charts: ${charts.map((c) => c.id).join(', ')}`).toBeGreaterThanOrEqual(minCharts);
    for (const c of charts) {
      expect(c.width, `${c.id} width`).toBeGreaterThan(100);
      expect(c.height, `${c.id} height`).toBeGreaterThan(30);
      expect(c.marks, `${c.id} marks`).toBeGreaterThan(5);
    }
    expect(errors).toEqual([]);

    fs.mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, screenshot), fullPage: true });
    fs.copyFileSync(path.join(out, 'report.html'), path.join(ARTIFACTS, screenshot.replace(/\.png$/, '.html')));
    expect(fs.statSync(path.join(ARTIFACTS, screenshot)).size).toBeGreaterThan(10_000);
    await page.close();
  });
});
