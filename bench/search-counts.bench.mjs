/**
 * Operator search (issue 7): counts, cost, kernels.
 *
 *  1. Counts at depths 3–6 on the three reference specs (linear, 1-D sequence, 2-D image): construction
 *     sequences, raw operators (no rules), canonical operators (all rules), semantic classes (distinct
 *     fingerprints), with and without the rules. Rules are sound when the semantic count is identical
 *     with and without them at every depth; goal canonical/semantic ≤ 1.5 at depth 5. Each enumeration
 *     runs in its own child process (the intern tables only grow) under a time limit; one that runs out
 *     is reported as infeasible with the growth measured up to where it got.
 *  2. FLOPs/params exact on 1,000 random operators (seeded random walks of ≤ 8 steps: 400 linear,
 *     300 sequence-1d, 300 image-2d): cost.ts against the executed chain schedule (src/search/chain.ts),
 *     which also has to reproduce eval.ts `forward` for every weight order. Goal: 0 mismatches.
 *  3. WGSL kernels (src/search/wgsl.ts) on Dawn vs eval.ts `forward`: the named operators and 300
 *     random operators (100 per spec), within 1e-5 of Σ|terms| per output element.
 *
 * Usage: node bench/search-counts.bench.mjs [--max-depth 6] [--timeout S] [--md OUT] [--no-gpu] [--dist DIR]
 * (imports dist/: `npm run build` first). `--job SPEC DEPTH RULES` is the child-process mode.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { machine, mdTable, table } from './common.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.resolve(arg('--dist', path.join(here, '..', 'dist')));
const load = (m) => import(pathToFileURL(path.join(dist, m)).href);

const { NO_RULES, ruleSet } = await load('search/canonical.js');
const { enumerateOperators, sampleOperators } = await load('search/enumerate.js');
const specs = await load('search/specs.js');
const SPECS = { linear: (d) => specs.linearSpec(d), 'sequence-1d': (d) => specs.sequenceSpec(d), 'image-2d': (d) => specs.image2dSpec(d) };

// ---------------------------------------------------------------------------------------------
// Child mode: one enumeration, perDepth as JSON on stdout.
if (process.argv.includes('--job')) {
  const i = process.argv.indexOf('--job');
  const [name, depth, rules] = process.argv.slice(i + 1, i + 4);
  const spec = SPECS[name](Number(depth));
  const t0 = performance.now();
  const e = enumerateOperators(spec, { rules: rules === 'all' ? ruleSet() : NO_RULES, fingerprints: true });
  const seconds = (performance.now() - t0) / 1000;
  process.stdout.write(JSON.stringify({ perDepth: e.perDepth, seconds, rssMiB: process.resourceUsage().maxRSS / 1024 }));
  process.exit(0);
}

const maxDepth = Number(arg('--max-depth', '6'));
const timeoutS = Number(arg('--timeout', '900'));
const mdOut = arg('--md', undefined);
const noGpu = process.argv.includes('--no-gpu');
const m = machine();
const md = [];
const say = (s = '') => {
  console.log(s);
  md.push(s);
};

// ---------------------------------------------------------------------------------------------
// 1. Counts.
function job(name, rules) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--max-old-space-size=6144', fileURLToPath(import.meta.url), '--dist', dist, '--job', name, String(maxDepth), rules], {
    encoding: 'utf8',
    timeout: timeoutS * 1000,
    maxBuffer: 1 << 26,
  });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) return { failed: r.signal ? `killed (${r.signal}) after ${wall.toFixed(0)} s` : `exit ${r.status}: ${r.stderr.trim().split('\n').pop()}`, wall };
  return { ...JSON.parse(r.stdout), wall };
}

const countRows = [];
const notes = [];
let sound = true;
const ratioAt5 = {};
for (const name of Object.keys(SPECS)) {
  const canonical = job(name, 'all');
  const raw = job(name, 'none');
  for (const [label, j] of [
    ['canonical', canonical],
    ['raw', raw],
  ]) {
    if (j.failed) notes.push(`${name}, ${label}, depth ${maxDepth}: ${j.failed}`);
    else notes.push(`${name}, ${label}, to depth ${maxDepth}: ${j.seconds.toFixed(1)} s enumerating, peak RSS ${j.rssMiB.toFixed(0)} MiB`);
  }
  for (let d = 3; d <= maxDepth; d++) {
    const c = canonical.perDepth?.[d];
    const r = raw.perDepth?.[d];
    if (!c && !r) continue;
    const same = c && r ? c.semantic === r.semantic : null;
    if (same === false) sound = false;
    const ratio = c ? c.operators / c.semantic : null;
    if (d === 5 && ratio !== null) ratioAt5[name] = ratio;
    countRows.push([
      name,
      d,
      r ? r.sequences : c.sequences,
      r ? r.operators : '—',
      c ? c.operators : '—',
      c ? c.semantic : '—',
      r ? r.semantic : '—',
      same === null ? '—' : same ? 'yes' : 'NO',
      ratio === null ? '—' : ratio.toFixed(2),
      c ? c.states : '—',
    ]);
  }
}
const countHead = ['spec', 'depth', 'sequences', 'raw', 'canonical', 'semantic', 'semantic (no rules)', 'sound', 'canonical/semantic', 'states (canonical)'];
say('### Counts (cumulative: depth d = at most d steps)');
say();
say(`Command: \`node bench/search-counts.bench.mjs --max-depth ${maxDepth}\` (after \`npm run build\`). Machine: ${m.cpu} × ${m.nproc}, ${m.memory}, node ${m.node}, load ${m.load}, ${m.date}.`);
say();
console.log(table(countHead, countRows));
md.push(mdTable(countHead, countRows));
say();
for (const n of notes) say(`- ${n}`);
const worst5 = Object.entries(ratioAt5).sort((a, b) => b[1] - a[1]);
say(`- rules sound (semantic identical with and without rules at every depth measured): ${sound ? 'yes' : 'NO'}`);
say(
  `- canonical/semantic at depth 5: ${worst5.map(([n, r]) => `${n} ${r.toFixed(2)}`).join(', ')} (goal ≤ 1.5: ${worst5.every(([, r]) => r <= 1.5) ? 'met' : `MISSED on ${worst5.filter(([, r]) => r > 1.5).map(([n]) => n).join(', ')}`})`,
);

// ---------------------------------------------------------------------------------------------
// 2. FLOPs / params exact on 1,000 random operators.
const { Rng } = await load('util/rng.js');
const { recountCost } = await load('search/chain.js');
const { iteratorAtoms, operatorFlops, operatorParams } = await load('search/cost.js');
const SAMPLE = [
  ['linear', 400, 1],
  ['sequence-1d', 300, 0],
  ['image-2d', 300, 0],
];
const costRows = [];
let mismatches = 0;
let total = 0;
const t2 = performance.now();
for (const [name, count, b] of SAMPLE) {
  const spec = SPECS[name](8);
  const ops = sampleOperators(spec, count, new Rng(99).derive(name.length), { rules: ruleSet() });
  const binding = spec.fingerprintBindings[b];
  let flopsBad = 0;
  let paramsBad = 0;
  let scheduleBad = 0;
  let twoWeights = 0;
  let coarse = 0;
  let padded = 0;
  let deadParams = 0;
  const depths = [];
  for (const [i, { operator: op, steps }] of ops.entries()) {
    depths.push(steps.length);
    const { table: t, cheapestChain, weightElements: params, badOrders } = recountCost(op, binding, i);
    scheduleBad += badOrders.length;
    if (operatorFlops(op, binding).flops !== cheapestChain) flopsBad++;
    if (operatorParams(op, binding) !== params) paramsBad++;
    if (op.weights.length > 1) twoWeights++;
    if ([...iteratorAtoms(op).entries()].some(([o, a]) => o !== a)) coarse++;
    if (/unfold/.test(op.key)) padded++;
    const touched = t.w.reduce((s, w) => s + new Set(w).size, 0);
    if (touched < params) deadParams++;
  }
  mismatches += flopsBad + paramsBad + scheduleBad;
  total += ops.length;
  costRows.push([name, ops.length, `${Math.min(...depths)}–${Math.max(...depths)}`, twoWeights, coarse, padded, deadParams, flopsBad, paramsBad, scheduleBad]);
}
const costHead = ['spec', 'operators', 'steps', '2 weights', '⌊o/B⌋ outputs', 'with Unfold', 'unused weight elements', 'FLOPs mismatches', 'params mismatches', 'schedule ≠ forward'];
say();
say('### FLOPs and parameters exact on 1,000 random operators');
say();
console.log(table(costHead, costRows));
md.push(mdTable(costHead, costRows));
say();
say(`- ${total} operators, ${mismatches} mismatches (goal 0: ${mismatches === 0 && total === 1000 ? 'met' : 'MISSED'}); ${((performance.now() - t2) / 1000).toFixed(1)} s`);

// ---------------------------------------------------------------------------------------------
// 3. WGSL kernels on Dawn vs eval.ts forward.
if (!noGpu) {
  const { acquireGpu, describeGpu } = await load('gpu/device.js');
  const { checkOperatorKernel } = await load('search/wgsl-check.js');
  const { namedOperators } = await load('search/library.js');
  const gpu = await acquireGpu();
  const B = { C_in: 6, C_out: 4, C: 5, L: 9, H: 5, W: 6, g: 2, k: 3, r: 2 };
  const check = async (op, binding, seed) => (await checkOperatorKernel(gpu.device, op, binding, { seed, name: `k${seed}` })).worst;
  const gpuRows = [];
  let matched = 0;
  let checked = 0;
  const t3 = performance.now();
  const groups = [['named operators', namedOperators().map((n) => n.operator), B]];
  for (const [name, , b] of SAMPLE) {
    const spec = SPECS[name](8);
    groups.push([`random ${name}`, sampleOperators(spec, 100, new Rng(2024).derive(name.length), { rules: ruleSet() }).map((s) => s.operator), spec.fingerprintBindings[b]]);
  }
  for (const [label, ops, binding] of groups) {
    let ok = 0;
    let worst = 0;
    for (const [i, op] of ops.entries()) {
      const w = await check(op, binding, i);
      worst = Math.max(worst, w);
      if (w < 1e-5) ok++;
    }
    matched += ok;
    checked += ops.length;
    gpuRows.push([label, ops.length, ok, worst.toExponential(2)]);
  }
  say();
  say(`### Generated WGSL kernels equal the index-relation reference (${describeGpu(gpu)})`);
  say();
  const gpuHead = ['operators', 'kernels', 'equal to eval.ts forward (error ≤ 1e-5 of the absolute term sum)', 'worst error / absolute term sum'];
  console.log(table(gpuHead, gpuRows));
  md.push(mdTable(gpuHead, gpuRows));
  say();
  say(`- ${matched} of ${checked} kernels equal the reference; ${((performance.now() - t3) / 1000).toFixed(1)} s including pipeline creation`);
}

if (mdOut) fs.writeFileSync(mdOut, md.join('\n') + '\n');
process.exit(0);
