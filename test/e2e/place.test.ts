/** `kasc place` as a user runs it: the EPLB README example, JSON output, and bad input as diagnostics. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const KASC = path.join(ROOT, 'bin', 'kasc.js');
const README = [
  [90, 132, 40, 61, 104, 165, 39, 4, 73, 56, 183, 86],
  [20, 107, 104, 64, 19, 197, 187, 157, 172, 86, 16, 27],
];
const LAYOUT = ['--slots', '16', '--groups', '4', '--nodes', '2', '--gpus', '8'];

let tmp: string;
let loads: string;
beforeAll(() => {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` before the e2e tests');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kasc-place-'));
  loads = path.join(tmp, 'loads.json');
  fs.writeFileSync(loads, JSON.stringify(README));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function kasc(args: string[]) {
  const r = spawnSync(process.execPath, [KASC, 'place', ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('kasc place', () => {
  it('reproduces the EPLB README example with --policy eplb --json', () => {
    const r = kasc(['--loads', loads, ...LAYOUT, '--policy', 'eplb', '--json']);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.layers.map((l: { phy2log: number[] }) => l.phy2log)).toEqual([
      [5, 6, 5, 7, 8, 4, 3, 4, 10, 9, 10, 2, 0, 1, 11, 1],
      [7, 10, 6, 8, 6, 11, 8, 9, 2, 4, 5, 1, 5, 0, 3, 1],
    ]);
    expect(out.layers[0].gpuLoads).toHaveLength(8);
    expect(out.layers[0].imbalance).toBeCloseTo(156 / 129.125, 9);
  });

  it('the default policy is at least as balanced on every layer, and reads CSV', () => {
    const csv = path.join(tmp, 'loads.csv');
    fs.writeFileSync(csv, README.map((r) => r.join(',')).join('\n') + '\n');
    const d = JSON.parse(kasc(['--loads', csv, ...LAYOUT, '--json']).stdout);
    const e = JSON.parse(kasc(['--loads', loads, ...LAYOUT, '--policy', 'eplb', '--json']).stdout);
    d.layers.forEach((l: { imbalance: number; replicas: number[] }, i: number) => {
      expect(l.imbalance).toBeLessThanOrEqual(e.layers[i].imbalance);
      expect(l.replicas.reduce((a, b) => a + b)).toBe(16);
    });
    expect(d.imbalance).toBeLessThan(e.imbalance);
  });

  it('prints a readable table, and Pareto points for the traffic-aware mode', () => {
    const r = kasc(['--loads', loads, ...LAYOUT]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/layer 0: imbalance \d\.\d{4} \(lower bound/);
    expect(r.stdout).toMatch(/phy2log/);
    const t = kasc(['--loads', loads, ...LAYOUT, '--policy', 'traffic', '--topk', '8', '--pair-bytes', '21504', '--json']);
    expect(t.status).toBe(0);
    const out = JSON.parse(t.stdout);
    expect(out.pareto[0]).toMatchObject({ offNodeSlots: 0, offNodeFraction: 0, ibBytesPerToken: 0 });
  });

  it('bad input is a diagnostic and exit 1, never a stack trace', () => {
    const ragged = path.join(tmp, 'ragged.json');
    fs.writeFileSync(ragged, '[[1,2,3],[4,5]]');
    const negative = path.join(tmp, 'neg.csv');
    fs.writeFileSync(negative, '1,2,-3,4\n');
    const cases: [string[], RegExp][] = [
      [['--loads', path.join(tmp, 'missing.json'), ...LAYOUT], /error\[KAS0550\].*no such file/],
      [['--loads', ragged, ...LAYOUT], /error\[KAS0550\].*layer 1 has 2 loads/],
      [['--loads', negative, '--slots', '4', '--groups', '1', '--nodes', '1', '--gpus', '2'], /error\[KAS0550\].*negative/],
      [['--loads', loads, '--slots', '12', '--groups', '4', '--nodes', '2', '--gpus', '8'], /error\[KAS0551\].*do not divide evenly over 8 GPUs/],
      [['--loads', loads, '--slots', '16', '--groups', '4', '--nodes', '3', '--gpus', '8'], /error\[KAS0551\].*8 GPUs do not divide evenly over 3 nodes/],
      [['--loads', loads, ...LAYOUT.slice(0, 2), '--groups', '5', '--nodes', '2', '--gpus', '8'], /error\[KAS0551\].*5 groups do not divide 12 experts/],
      [['--loads', loads, '--slots', '16', '--groups', '3', '--nodes', '2', '--gpus', '8', '--policy', 'traffic'], /error\[KAS0553\]/],
      [['--loads', loads, ...LAYOUT, '--policy', 'best'], /error\[KAS0551\].*unknown policy/],
      [['--loads', loads, '--slots', 'x', '--groups', '4', '--nodes', '2', '--gpus', '8'], /--slots must be a positive whole number/],
    ];
    for (const [args, want] of cases) {
      const r = kasc(args);
      expect(r.status, args.join(' ')).toBe(1);
      expect(r.stderr).toMatch(want);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stdout).toBe('');
    }
  });
});
