/**
 * Operator search: rediscovery (issue 7). For each named operator of src/search/library.ts, a spec
 * whose interface and sizes admit it (depth = the operator's own step count, no cost budget), and
 * MCTS, guided random search and the Canvas baseline run per seed until they find the operator's
 * semantic fingerprint or hit the evaluation / time cap. Reported per target and strategy: found
 * (of seeds), median evaluations and expansions to find, median seconds; then the ratios the goals
 * name, from medians over the seeds where both found it:
 *   MCTS expansions / random expansions (goal ≤ 0.5),
 *   Canvas evaluations / best guided evaluations (goal ≥ 5),
 * the share of guided rollouts that finished (goal ≥ 90 %), and — with --fitness — the seconds until
 * MCTS with reward = held-out R² against the target as teacher reaches R² ≥ 0.999 (goal ≤ 120 s).
 *
 * Usage: node bench/search-rediscovery.bench.mjs [--quick] [--seeds N] [--cap S] [--evals N]
 *                                               [--fitness] [--r2-reward] [--only a,b] [--strategies s,t] [--md OUT]
 *   --r2-reward: MCTS and random search take reward = held-out R² against the target as teacher
 *            (instead of novelty) in the fingerprint runs, which still stop at the fingerprint;
 *   --quick: 2 seeds, 10 s and 20,000 evaluations per run (about 10 minutes on 2 vCPUs);
 *   full:    10 seeds, 60 s (300 s for the 2-D target) and 200,000 evaluations per run (hours).
 * Every run is a child process: the IR's intern tables are per process and never shrink, so one
 * process for all runs would grow without bound (it ran out of a 4 GB heap).
 * Imports dist/: run `npm run build` (or `npx tsc -p tsconfig.build.json`) first.
 */
import * as fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { machine, mdTable, median, table } from './common.mjs';
import { runSearch } from '../dist/search/run.js';
import { namedOperators } from '../dist/search/library.js';
import { fingerprintOf } from '../dist/search/enumerate.js';
import { linearSpec, sequenceSpec, image2dSpec } from '../dist/search/specs.js';
import { ALL_PRIMITIVES } from '../dist/search/ir.js';
import { coefficient, constant, div, primary } from '../dist/search/size.js';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const quick = process.argv.includes('--quick');
const withFitness = process.argv.includes('--fitness');
/** Guided strategies (not Canvas) take reward = teacher R² in the fingerprint runs too, still stopping at the fingerprint. */
const r2Reward = process.argv.includes('--r2-reward');
const seeds = Number(arg('--seeds', quick ? '2' : '10'));
const cap = Number(arg('--cap', quick ? '10' : '60'));
const maxEvaluations = Number(arg('--evals', quick ? '20000' : '200000'));
const only = arg('--only', undefined)?.split(',');
const mdOut = arg('--md', undefined);

/** x[C_in, L] → y[C_out, L]: full, grouped and shifted convolutions, pooling (bench-only spec). */
function channelSequenceSpec(maxDepth) {
  const C_in = primary('C_in');
  const C_out = primary('C_out');
  const L = primary('L');
  const g = coefficient('g');
  const k = coefficient('k');
  return {
    name: 'channel-sequence-1d',
    inputs: [
      { name: 'c', size: C_in },
      { name: 'l', size: L },
    ],
    outputs: [
      { name: 'c', size: C_out },
      { name: 'l', size: L },
    ],
    bindings: [{ C_in: 64, C_out: 128, L: 1026, g: 4, k: 3 }],
    primitives: ALL_PRIMITIVES,
    reduceSizes: [C_in, div(C_in, g), k],
    blockSizes: [k, div(C_out, g)],
    strideSizes: [constant(2)],
    maxDepth,
    maxWeights: 2,
    maxReductions: 2,
    // Sizes C_in, C_out, L, g, C_in/g, C_out/g, k, L/k: no pair equal on both bindings.
    fingerprintBindings: [
      { C_in: 4, C_out: 6, L: 9, g: 2, k: 3 },
      { C_in: 6, C_out: 4, L: 15, g: 2, k: 5 },
    ],
  };
}

const lib = Object.fromEntries(namedOperators().map((n) => [n.name, n]));
const depthOf = (name) => lib[name].steps.length;
const TARGETS = [
  ['dense', (d) => linearSpec(d), { C_in: 8, C_out: 8, g: 2, r: 2 }],
  ['grouped', (d) => linearSpec(d), { C_in: 8, C_out: 8, g: 2, r: 2 }],
  ['low-rank', (d) => linearSpec(d), { C_in: 8, C_out: 8, g: 2, r: 2 }],
  ['depthwise-conv1d', (d) => sequenceSpec(d), { C: 4, L: 9, k: 3 }],
  ['conv1d', channelSequenceSpec, { C_in: 4, C_out: 4, L: 6, g: 2, k: 3 }],
  ['shift-pointwise', channelSequenceSpec, { C_in: 4, C_out: 4, L: 6, g: 2, k: 3 }],
  ['pool-unpool-pointwise', channelSequenceSpec, { C_in: 4, C_out: 4, L: 6, g: 2, k: 3 }],
  ['grouped-conv1d', channelSequenceSpec, { C_in: 4, C_out: 4, L: 6, g: 2, k: 3 }],
  ['depthwise-separable-conv2d', (d) => image2dSpec(d, 3), { C_in: 2, C_out: 2, H: 6, W: 6, k: 3 }],
].filter(([name]) => lib[name] && (!only || only.includes(name)));
const missing = ['depthwise-separable-conv2d'].filter((n) => !lib[n]);

const STRATEGIES = arg('--strategies', 'mcts,random,canvas').split(',');

/** One search in a fresh process: `--child` gets {target, strategy, seed, timeSeconds, fitness?} and prints stats JSON. */
const childArg = arg('--child', undefined);
if (childArg) {
  const job = JSON.parse(childArg);
  const [, makeSpec, binding] = TARGETS.find(([n]) => n === job.target);
  const spec = makeSpec(Math.max(depthOf(job.target), 2));
  const t0 = performance.now();
  let reached = null;
  // job.fitness: reward = held-out R² against the target as teacher, no fingerprint stop (the R² goal);
  // job.r2Reward: the same reward, but stopping at the target's fingerprint (rediscovery guided by R²).
  const fitness = job.fitness || job.r2Reward ? { teacher: lib[job.target].operator, teacherName: job.target, binding, samples: 64, heldOut: 32, seed: 7 } : undefined;
  const r = await runSearch(spec, {
    strategy: job.strategy,
    seed: job.seed,
    maxEvaluations,
    timeSeconds: job.timeSeconds,
    budget: {},
    stopAtFingerprint: job.fitness ? undefined : fingerprintOf(lib[job.target].operator, spec),
    fitness,
    keep: 1,
    onProgress: (p) => {
      if (reached === null && p.best !== null && p.best >= 0.999) reached = (performance.now() - t0) / 1000;
    },
  });
  process.stdout.write(JSON.stringify({ ...r.stats, reached, best: r.candidates[0]?.fitness.r2 ?? null }));
  process.exit(0);
}

function runChild(job) {
  const r = spawnSync(process.execPath, ['--max-old-space-size=3072', fileURLToPath(import.meta.url), ...process.argv.slice(2).filter((a) => a !== '--md' && a !== mdOut), '--child', JSON.stringify(job)], {
    encoding: 'utf8',
    maxBuffer: 1 << 24,
  });
  if (r.status !== 0) {
    process.stderr.write(`  ${job.target} ${job.strategy} seed ${job.seed}: child failed (${r.status}); counted as not found\n${r.stderr.slice(-400)}\n`);
    return { expansions: NaN, evaluations: NaN, rollouts: 0, validRollouts: 0, foundAfter: null, seconds: job.timeSeconds, reached: null, best: null, failed: true };
  }
  return JSON.parse(r.stdout);
}
const rows = [];
const ratios = [];
let rolloutsAll = 0;
let validAll = 0;
const started = performance.now();

for (const [name] of TARGETS) {
  const depth = Math.max(depthOf(name), 2);
  const timeSeconds = name.endsWith('conv2d') ? (quick ? cap : 300) : cap;
  const per = {};
  for (const strategy of STRATEGIES) {
    const runs = [];
    for (let seed = 1; seed <= seeds; seed++) {
      const stats = runChild({ target: name, strategy, seed, timeSeconds, r2Reward: r2Reward && strategy !== 'canvas' });
      runs.push(stats);
      if (strategy !== 'canvas') {
        rolloutsAll += stats.rollouts;
        validAll += stats.validRollouts;
      }
    }
    per[strategy] = runs;
    const found = runs.filter((s) => s.foundAfter !== null);
    const med = (f) => (found.length ? median(found.map(f)) : null);
    rows.push([
      name,
      depth,
      strategy,
      `${found.length}/${seeds}`,
      med((s) => s.evaluations) ?? '—',
      med((s) => s.expansions) ?? '—',
      found.length ? med((s) => s.seconds).toFixed(2) : '—',
      median(runs.map((s) => s.validRollouts / Math.max(1, s.rollouts))).toFixed(3),
    ]);
    process.stderr.write(`${name} ${strategy}: ${found.length}/${seeds} found (${((performance.now() - started) / 1000).toFixed(0)} s)\n`);
  }
  // Ratios of medians over all seeds, a miss counted at the cap it reached (so a ratio is a bound).
  if (!per.mcts || !per.random || !per.canvas) continue;
  const medAll = (s, f) => median(per[s].map(f));
  const mctsFound = per.mcts.filter((s) => s.foundAfter !== null).length;
  const randomFound = per.random.filter((s) => s.foundAfter !== null).length;
  const canvasFound = per.canvas.filter((s) => s.foundAfter !== null).length;
  const expRatio = medAll('mcts', (s) => s.expansions) / medAll('random', (s) => s.expansions);
  const guidedEvals = Math.min(medAll('mcts', (s) => s.evaluations), medAll('random', (s) => s.evaluations));
  const evalRatio = medAll('canvas', (s) => s.evaluations) / guidedEvals;
  const note = (a, aFound, b, bFound, value, digits) => {
    if (!aFound && !bFound) return '— (both missed)';
    const aMiss = aFound < seeds;
    const bMiss = bFound < seeds;
    // A miss stops at the cap, so its figure is a lower bound on what finding would have cost.
    const sign = aMiss && !bMiss ? '≥ ' : bMiss && !aMiss ? '≤ ' : aMiss && bMiss ? '~ ' : '';
    return `${sign}${value.toFixed(digits)}`;
  };
  ratios.push([
    name,
    `${mctsFound}/${randomFound}/${canvasFound}`,
    note('mcts', mctsFound, 'random', randomFound, expRatio, 3),
    note('canvas', canvasFound, 'guided', Math.max(mctsFound, randomFound), evalRatio, 1),
  ]);
}

let fitnessRows = [];
if (withFitness) {
  for (const [name] of TARGETS) {
    const times = [];
    for (let seed = 1; seed <= seeds; seed++) {
      times.push(runChild({ target: name, strategy: 'mcts', seed, timeSeconds: name.endsWith('conv2d') ? (quick ? cap : 300) : quick ? cap : 120, fitness: true }));
    }
    const ok = times.filter((t) => t.reached !== null);
    const bests = times.map((t) => t.best).filter((b) => b !== null);
    fitnessRows.push([name, `${ok.length}/${seeds}`, ok.length ? median(ok.map((t) => t.reached)).toFixed(2) : '—', bests.length ? median(bests).toFixed(4) : '—']);
    process.stderr.write(`fitness ${name}: ${ok.length}/${seeds}\n`);
  }
}

const total = (performance.now() - started) / 1000;
const m = machine();
const head = ['target', 'depth', 'strategy', 'found', 'median evals', 'median expansions', 'median s', 'valid rollouts'];
const ratioHead = ['target', 'found mcts/random/canvas', 'MCTS/random expansions (≤ 0.5)', 'Canvas/guided evaluations (≥ 5)'];
const fitHead = ['target', 'R² ≥ 0.999 (seeds)', 'median s to reach', 'median best R²'];
const validShare = validAll / Math.max(1, rolloutsAll);
const settings = `${seeds} seeds, cap ${cap} s / ${maxEvaluations} evaluations per run, no cost budget${r2Reward ? ', guided reward = teacher R²' : ''}; ${total.toFixed(0)} s in all`;
console.log(`machine: ${m.cpu} (${m.nproc} vCPU), Node ${m.node}; ${settings}\n`);
console.log(table(head, rows));
console.log('\n' + table(ratioHead, ratios));
console.log(`\nguided rollouts (MCTS + random) that finished: ${(100 * validShare).toFixed(1)} % of ${rolloutsAll}`);
if (withFitness) console.log('\n' + table(fitHead, fitnessRows));
if (missing.length) console.log(`\npending (not in library.ts): ${missing.join(', ')}`);
if (mdOut) {
  const md = [
    `Command: \`node bench/search-rediscovery.bench.mjs ${process.argv.slice(2).join(' ')}\`; ${m.cpu} (${m.nproc} vCPU), Node ${m.node}, ${m.date.slice(0, 10)}; ${settings}.`,
    '',
    mdTable(head, rows),
    '',
    mdTable(ratioHead, ratios),
    '',
    `Guided rollouts (MCTS + random) that finished in an operator: **${(100 * validShare).toFixed(1)} %** of ${rolloutsAll}.`,
    ...(withFitness ? ['', mdTable(fitHead, fitnessRows)] : []),
    ...(missing.length ? ['', `Pending (not in library.ts): ${missing.join(', ')}.`] : []),
  ].join('\n');
  fs.writeFileSync(mdOut, md + '\n');
}
