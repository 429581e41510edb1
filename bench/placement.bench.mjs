/**
 * Expert placement: kasc's default policy vs DeepSeek's EPLB vs the lower bound (src/placement/bound.ts).
 * Cases: the EPLB README example; seeded zipf(0.5, 1.0) and log-normal(0.5, 1.0) loads over 256 experts
 * (8 groups), 58 layers each, for EP32 with 288 slots (4 nodes), EP64 with 320 and with 256 slots (8 nodes).
 * Gap closed = (EPLB − default) / (EPLB − bound), on mean imbalance; goal ≥ 0.5 on average, and the
 * default never worse than EPLB on any layer; time per case: 58 layers placed by the default policy,
 * warm, best of 3 (wall and process CPU), goal < 200 ms.
 *
 * Usage: node bench/placement.bench.mjs [--seed S] [--md OUT]   (imports dist/: run `npm run build` first)
 */
import * as fs from 'node:fs';
import { machine, mdTable, table } from './common.mjs';
import { eplbLayer } from '../dist/placement/eplb.js';
import { defaultLayer } from '../dist/placement/default.js';
import { imbalanceBound } from '../dist/placement/bound.js';
import { syntheticLoads } from '../dist/placement/synthetic.js';
import { gpuLoads, imbalance } from '../dist/placement/types.js';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const seed = Number(arg('--seed', '1'));
const mdOut = arg('--md', undefined);
const LAYERS = 58;

const README = {
  name: 'EPLB README example',
  layout: { slots: 16, groups: 4, nodes: 2, gpus: 8 },
  loads: [
    [90, 132, 40, 61, 104, 165, 39, 4, 73, 56, 183, 86],
    [20, 107, 104, 64, 19, 197, 187, 157, 172, 86, 16, 27],
  ],
};
const LAYOUTS = [
  ['EP32, 288 slots, 4 nodes', { slots: 288, groups: 8, nodes: 4, gpus: 32 }],
  ['EP64, 320 slots, 8 nodes', { slots: 320, groups: 8, nodes: 8, gpus: 64 }],
  ['EP64, 256 slots, 8 nodes', { slots: 256, groups: 8, nodes: 8, gpus: 64 }],
];
const DISTS = [
  ['zipf(0.5)', { kind: 'zipf', exponent: 0.5 }],
  ['zipf(1.0)', { kind: 'zipf', exponent: 1.0 }],
  ['lognormal(0.5)', { kind: 'lognormal', sigma: 0.5 }],
  ['lognormal(1.0)', { kind: 'lognormal', sigma: 1.0 }],
];
const cases = [README];
LAYOUTS.forEach(([ln, layout], li) =>
  DISTS.forEach(([dn, dist], di) => cases.push({ name: `${dn}, ${ln}`, layout, loads: syntheticLoads(dist, LAYERS, 256, seed * 1000 + li * 10 + di) })),
);

function timed(f) {
  f(); // warm-up
  let wall = Infinity;
  let cpu = Infinity;
  let out;
  for (let r = 0; r < 3; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    out = f();
    wall = Math.min(wall, performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu = Math.min(cpu, (c.user + c.system) / 1000);
  }
  return { out, wall, cpu };
}

const rows = [];
const closed = [];
let pooledNum = 0;
let pooledDen = 0;
let worseLayers = 0;
let slowest = 0;
for (const c of cases) {
  const P = c.layout.gpus;
  const e = timed(() => c.loads.map((w) => eplbLayer(w, c.layout)));
  const d = timed(() => c.loads.map((w) => defaultLayer(w, c.layout)));
  const ie = c.loads.map((w, i) => imbalance(gpuLoads(w, e.out[i], P), w));
  const id = c.loads.map((w, i) => imbalance(gpuLoads(w, d.out[i], P), w));
  const ib = c.loads.map((w) => imbalanceBound(w, c.layout));
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const worse = id.filter((x, i) => x > ie[i]).length;
  worseLayers += worse;
  const gap = mean(ie) - mean(ib);
  const gc = gap > 1e-9 ? (mean(ie) - mean(id)) / gap : undefined;
  if (gc !== undefined) closed.push(gc);
  pooledNum += mean(ie) - mean(id);
  pooledDen += gap;
  slowest = Math.max(slowest, d.cpu);
  rows.push([
    c.name,
    c.loads.length,
    mean(ie).toFixed(4),
    Math.max(...ie).toFixed(4),
    mean(id).toFixed(4),
    Math.max(...id).toFixed(4),
    mean(ib).toFixed(4),
    gc === undefined ? '— (EPLB at bound)' : gc.toFixed(3),
    worse,
    e.cpu.toFixed(1),
    d.wall.toFixed(1),
    d.cpu.toFixed(1),
  ]);
}
const head = ['case', 'layers', 'EPLB mean', 'EPLB max', 'default mean', 'default max', 'bound mean', 'gap closed', 'layers worse', 'EPLB ms (cpu)', 'default ms (wall)', 'default ms (cpu)'];
const avg = closed.reduce((a, b) => a + b, 0) / closed.length;
const m = machine();
const summary = [
  `gap closed: mean ${avg.toFixed(3)} over the ${closed.length} cases with a gap (goal ≥ 0.5: ${avg >= 0.5 ? 'met' : 'MISSED'}); pooled ${(pooledNum / pooledDen).toFixed(3)}`,
  `layers where the default is less balanced than EPLB: ${worseLayers} (goal 0: ${worseLayers === 0 ? 'met' : 'MISSED'})`,
  `slowest case, default policy, ${LAYERS} layers: ${slowest.toFixed(1)} ms CPU (goal < 200 ms: ${slowest < 200 ? 'met' : 'MISSED'})`,
  `seed ${seed}; machine: ${m.cpu} × ${m.nproc}, ${m.memory}, ${m.os}, node ${m.node}, load ${m.load}, ${m.date}`,
];
console.log(table(head, rows));
console.log('\n' + summary.join('\n'));
if (mdOut) fs.writeFileSync(mdOut, mdTable(head, rows) + '\n\n' + summary.map((s) => `- ${s}`).join('\n') + '\n');
