/**
 * Start-up cost of the CLI, as ratios to a bare `node -e 0` measured in the same run: the commands are
 * interleaved round by round (the order rotates each round), so machine noise hits all of them alike,
 * and each figure is a median. Goals: `kasc check` ≤ 3× bare node, `kasc build` ≤ 5× (report only).
 * Peak RSS from GNU time (%M) when /usr/bin/time exists, else from the child's own resourceUsage().
 *
 *   node bench/cli.bench.mjs [--runs N] [--file F.kas] [--md FILE]
 * Input: examples/deepseek-v3-train.kas when it exists, else stdlib/models/deepseek-v3.kas.
 * Needs dist/ (npm run build).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { machine, median, quantile, table, mdTable, peakRssKiB, peakRssKiBNode, fmtMs } from './common.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const RUNS = Number(arg('--runs', process.env.BENCH_RUNS ?? 25));
const MD = arg('--md', undefined);
const candidates = ['examples/deepseek-v3-train.kas', 'stdlib/models/deepseek-v3.kas'];
const input = arg('--file', candidates.find((f) => fs.existsSync(path.join(root, f))));
const kasc = path.join(root, 'bin/kasc.js');
const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kasc-bench-build-'));

const commands = [
  { name: 'node -e 0', args: ['-e', '0'] },
  { name: `kasc check`, args: [kasc, 'check', input], goal: 3 },
  { name: `kasc build`, args: [kasc, 'build', input, '-o', outDir, '-q'], goal: 5, reportOnly: true },
];

try {
  // Sanity: each command runs and succeeds (a failing compile would measure the error path).
  for (const c of commands) {
    const r = spawnSync(process.execPath, c.args, { cwd: root, encoding: 'utf8' });
    c.status = r.status;
    if (r.status !== 0) console.error(`warning: \`${c.name} ${input}\` exited ${r.status}:\n${r.stderr.slice(0, 2000)}`);
  }
  // Warm-up: one untimed round (file cache, disk).
  for (const c of commands) spawnSync(process.execPath, c.args, { cwd: root, stdio: 'ignore' });

  for (const c of commands) c.times = [];
  for (let round = 0; round < RUNS; round++) {
    for (let k = 0; k < commands.length; k++) {
      const c = commands[(round + k) % commands.length];
      const t0 = process.hrtime.bigint();
      spawnSync(process.execPath, c.args, { cwd: root, stdio: 'ignore' });
      c.times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  }
  const RSS_RUNS = 5;
  for (const c of commands) {
    const xs = [];
    for (let i = 0; i < RSS_RUNS; i++) {
      const r =
        c.args[0] === '-e'
          ? peakRssKiB(process.execPath, c.args, { cwd: root })
          : peakRssKiB(process.execPath, c.args, { cwd: root }) ?? peakRssKiBNode(c.args[0], c.args.slice(1), { cwd: root });
      if (r != null) xs.push(r);
    }
    c.rss = xs.length ? median(xs) : null;
  }

  const base = median(commands[0].times);
  const baseRss = commands[0].rss;
  const head = ['command', 'median ms', 'p25 ms', 'p75 ms', 'min ms', '× node -e 0', 'goal', 'peak RSS MiB', 'RSS × node'];
  const rows = commands.map((c) => {
    const med = median(c.times);
    const ratio = med / base;
    const goal = c.goal ? `≤ ${c.goal}×: ${ratio <= c.goal ? 'met' : 'MISSED'}${c.reportOnly ? ' (report only)' : ''}` : '';
    return [
      c.name,
      fmtMs(med),
      fmtMs(quantile(c.times, 0.25)),
      fmtMs(quantile(c.times, 0.75)),
      fmtMs(Math.min(...c.times)),
      ratio.toFixed(2),
      goal,
      c.rss == null ? 'n/a' : (c.rss / 1024).toFixed(1),
      c.rss == null || baseRss == null ? 'n/a' : (c.rss / baseRss).toFixed(2),
    ];
  });
  const m = machine();
  const info = [
    `input: ${input} (${fs.readFileSync(path.join(root, input), 'utf8').split('\n').length - 1} lines); exit codes: ${commands.map((c) => c.status).join(', ')}`,
    `${RUNS} interleaved rounds (order rotated each round) after 1 warm-up round; peak RSS: median of ${RSS_RUNS} runs (${fs.existsSync('/usr/bin/time') ? '/usr/bin/time -f %M' : 'process.resourceUsage().maxRSS'})`,
    `machine: ${m.nproc} × ${m.cpu}, ${m.memory}, ${m.os}, node ${m.node}, load ${m.load}, ${m.date}`,
  ];
  console.log('\nkasc CLI start-up vs bare node\n');
  console.log(table(head, rows));
  console.log('\n' + info.join('\n'));
  if (MD) fs.writeFileSync(MD, mdTable(head, rows) + '\n\n' + info.map((l) => '- ' + l).join('\n') + '\n');
} finally {
  fs.rmSync(outDir, { recursive: true, force: true });
}
