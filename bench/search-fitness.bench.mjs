/**
 * Operator search, fitness side (src/search/fitness.ts): for every library operator, the held-out R²
 * and the fit time when fitted (least squares / ALS) to itself as teacher and to the fully-connected
 * teacher of its interface (for x[C_in] → y[C_out] that is `dense`); then R² matrices of candidates
 * against teachers of one interface (a candidate that cannot express its teacher scores < 1).
 * Goal (issue 7): self-teacher R² ≥ 0.999 for every operator.
 *
 * Fit time: fitToTeacher (index table, normal equations, Cholesky / ALS sweeps, held-out R²) with the
 * teacher's data already drawn (the search draws it once per run), warm, median of 5; teacher-data
 * time (drawing, labelling, XᵀX and XᵀY) is listed apart.
 *
 * Usage: node bench/search-fitness.bench.mjs [--seed S] [--samples N] [--md OUT]   (imports dist/: `npm run build` first)
 */
import * as fs from 'node:fs';
import { machine, mdTable, median, table } from './common.mjs';
import { fitToTeacher } from '../dist/search/fitness.js';
import { namedOperators } from '../dist/search/library.js';
import { fullyConnected, makeTeacherData, teacherData } from '../dist/search/teacher.js';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const seed = Number(arg('--seed', '1'));
const samples = Number(arg('--samples', '256'));
const mdOut = arg('--md', undefined);
const BINDING = { C_in: 8, C_out: 8, C: 6, L: 12, H: 6, W: 6, g: 2, k: 3, r: 3 };
const config = (teacher, teacherName) => ({ teacher, teacherName, binding: BINDING, samples, heldOut: samples, seed });

function timedFit(op, cfg) {
  const t0 = performance.now();
  const data = makeTeacherData(cfg.teacher, cfg.binding, cfg.samples, cfg.heldOut, cfg.seed);
  const dataMs = performance.now() - t0;
  teacherData(cfg);
  let fit = fitToTeacher(op, cfg); // warm-up
  const times = [];
  for (let i = 0; i < 5; i++) {
    const t1 = performance.now();
    fit = fitToTeacher(op, cfg);
    times.push(performance.now() - t1);
  }
  return { fit, ms: median(times), dataMs, inputs: data.inputShape.reduce((a, b) => a * b, 1) };
}

const fmtR2 = (r) => (r >= 0.9999995 ? r.toFixed(6) : r.toFixed(4));
const rows = [];
let worstSelf = Infinity;
let slowestSelf = 0;
for (const named of namedOperators()) {
  const self = timedFit(named.operator, config(named.operator, named.name));
  const fc = timedFit(named.operator, config(fullyConnected(named.iface), 'fully-connected'));
  worstSelf = Math.min(worstSelf, self.fit.r2);
  slowestSelf = Math.max(slowestSelf, self.ms);
  const fcName = fullyConnected(named.iface).key === named.operator.key ? '(itself)' : fmtR2(fc.fit.r2);
  rows.push([
    named.name,
    `[${named.iface.inputs.map((d) => d.name).join(', ')}]`,
    named.operator.weights.map((w) => w.length).join('+') + ' dims',
    self.fit.outcome.method + (self.fit.outcome.method === 'als' ? ` (${self.fit.outcome.sweeps})` : ''),
    self.fit.outcome.largestBlock,
    fmtR2(self.fit.r2),
    self.ms.toFixed(1),
    self.dataMs.toFixed(1),
    fcName,
    fc.fit.outcome.method === 'als' ? `${fc.ms.toFixed(1)} (${fc.fit.outcome.sweeps} sweeps)` : fc.ms.toFixed(1),
  ]);
}
const head = ['operator', 'input', 'weights', 'method (sweeps)', 'largest block', 'R² self', 'fit ms', 'teacher data ms', 'R² vs fully-connected', 'fit ms vs fc'];

/** R² of each candidate (row) against each teacher (column) sharing an interface. */
function matrix(names) {
  const ops = namedOperators().filter((n) => names.includes(n.name));
  const hd = ['candidate \\ teacher', ...ops.map((n) => n.name)];
  const rs = ops.map((cand) => [cand.name, ...ops.map((t) => fmtR2(fitToTeacher(cand.operator, config(t.operator, t.name)).r2))]);
  return { hd, rs };
}
const linear = matrix(['dense', 'grouped', 'low-rank']);
const seq = matrix(['conv1d', 'grouped-conv1d', 'shift-pointwise', 'pool-unpool-pointwise']);
const img = matrix(['conv2d', 'depthwise-separable-conv2d']);

const m = machine();
const summary = [
  `worst self-teacher R²: ${worstSelf.toFixed(12)} (goal ≥ 0.999: ${worstSelf >= 0.999 ? 'met' : 'MISSED'}); slowest self fit ${slowestSelf.toFixed(1)} ms`,
  `fit binding ${JSON.stringify(BINDING)}; ${samples} training + ${samples} held-out samples; seed ${seed}`,
  `machine: ${m.cpu} × ${m.nproc}, ${m.memory}, ${m.os}, node ${m.node}, load ${m.load}, ${m.date}`,
];
console.log(table(head, rows));
for (const x of [linear, seq, img]) console.log('\n' + table(x.hd, x.rs));
console.log('\n' + summary.join('\n'));
if (mdOut) {
  fs.writeFileSync(
    mdOut,
    [mdTable(head, rows), 'R² of candidate (row) fitted to teacher (column):', mdTable(linear.hd, linear.rs), mdTable(seq.hd, seq.rs), mdTable(img.hd, img.rs), summary.map((s) => `- ${s}`).join('\n')].join('\n\n') + '\n',
  );
}
