/**
 * Parse throughput on a generated 100,000-line .kas file (written to os.tmpdir(), removed afterwards):
 *   lex           tokens only
 *   parse         lex + parse + to-ast (what `loadProgram` does per file)
 *   check         the whole pipeline (compile(): load, evaluate, check, lower, analyze), in process
 *   kasc check    the CLI on the file, a fresh process: start-up + one cold compile
 * "cold" is the first call in a fresh process (what one `kasc` invocation pays); "warm" is the median
 * of the following calls. Goal: parse ≥ 200,000 lines/s.
 *
 *   node bench/parse.bench.mjs [--lines N] [--runs N] [--md FILE]
 * Needs dist/ (npm run build).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { writeGeneratedKas } from './gen-kas.mjs';
import { machine, median, table, mdTable, peakRssKiB, peakRssKiBNode, fmtMs, fmtInt } from './common.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, dflt) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const LINES = Number(arg('--lines', process.env.BENCH_LINES ?? 100_000));
const RUNS = Number(arg('--runs', process.env.BENCH_PARSE_RUNS ?? 5));
const MD = arg('--md', undefined);
const GOAL = 200_000;

const { lex } = await import(path.join(root, 'dist/syntax/lexer.js'));
const { parseSource } = await import(path.join(root, 'dist/syntax/parse.js'));
const { compile } = await import(path.join(root, 'dist/passes/index.js'));
const { DiagnosticSink } = await import(path.join(root, 'dist/diagnostics/diagnostic.js'));

const gen = writeGeneratedKas(LINES);
const { text, file } = gen;
try {
  const now = () => performance.now();
  const measure = (label, fn, runs) => {
    const times = [];
    let last;
    for (let i = 0; i < runs + 1; i++) {
      const t0 = now();
      last = fn();
      times.push(now() - t0);
    }
    return { label, cold: times[0], warm: median(times.slice(1)), last };
  };

  const results = [];
  // Order matters for "cold": lex first, then parse (its lexer is warm by then), then check.
  const rLex = measure('lex', () => {
    const sink = new DiagnosticSink();
    const r = lex(text, file, sink);
    return { tokens: r.tokens.length, comments: r.comments.length, errors: sink.items.length };
  }, RUNS);
  results.push(rLex);
  const rParse = measure('parse (lex+parse+to-ast)', () => {
    const sink = new DiagnosticSink();
    const ast = parseSource(text, file, sink);
    return { decls: ast.declarations?.length ?? ast.decls?.length, errors: sink.items.length };
  }, RUNS);
  results.push(rParse);
  const reader = { read: (p) => (p === file ? text : (() => { try { return fs.readFileSync(p, 'utf8'); } catch { return undefined; } })()) };
  const rCheck = measure('check (full compile)', () => {
    const r = compile(file, reader);
    return { errors: r.diagnostics.items.length, analysed: Boolean(r.analysis) };
  }, Math.max(2, Math.ceil(RUNS / 2)));
  results.push(rCheck);

  // The CLI, fresh process each time.
  const cliTimes = [];
  let cliStatus;
  for (let i = 0; i < 3; i++) {
    const t0 = now();
    const r = spawnSync(process.execPath, [path.join(root, 'bin/kasc.js'), 'check', file], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
    cliTimes.push(now() - t0);
    cliStatus = r.status;
  }
  const cliMs = median(cliTimes);
  const rss =
    peakRssKiB(process.execPath, [path.join(root, 'bin/kasc.js'), 'check', file], { cwd: root }) ??
    peakRssKiBNode(path.join(root, 'bin/kasc.js'), ['check', file], { cwd: root });

  const lps = (ms) => LINES / (ms / 1000);
  const head = ['stage', 'cold ms', 'cold lines/s', 'warm ms (median)', 'warm lines/s', 'goal ≥200k lines/s'];
  const rows = results.map((r) => [
    r.label,
    fmtMs(r.cold),
    fmtInt(lps(r.cold)),
    fmtMs(r.warm),
    fmtInt(lps(r.warm)),
    r.label.startsWith('parse') ? (lps(r.cold) >= GOAL && lps(r.warm) >= GOAL ? 'met' : lps(r.warm) >= GOAL ? 'met warm, missed cold' : 'MISSED') : '(report only)',
  ]);
  rows.push(['`kasc check` (process, median of 3)', fmtMs(cliMs), fmtInt(lps(cliMs)), '', '', '(report only)']);

  const m = machine();
  const info = [
    `generated file: ${LINES.toLocaleString('en-US')} lines, ${(gen.bytes / 2 ** 20).toFixed(2)} MiB, ${gen.groups} groups × 6 blocks (gpu/node/cluster/model/train/serve), in ${path.dirname(file)}`,
    `lex: ${rLex.last.tokens.toLocaleString('en-US')} tokens, ${rLex.last.comments.toLocaleString('en-US')} comments; diagnostics: lex ${rLex.last.errors}, parse ${rParse.last.errors}, check ${rCheck.last.errors}; kasc check exit ${cliStatus}`,
    `peak RSS of \`kasc check\` on it: ${rss == null ? 'n/a' : (rss / 1024).toFixed(1) + ' MiB'}`,
    `runs: 1 cold + ${RUNS} warm (check: 1 + ${Math.max(2, Math.ceil(RUNS / 2))}); machine: ${m.nproc} × ${m.cpu}, node ${m.node}, load ${m.load}, ${m.date}`,
  ];
  console.log('\nkasc parse throughput\n');
  console.log(table(head, rows));
  console.log('\n' + info.join('\n'));
  if (MD) fs.writeFileSync(MD, mdTable(head, rows) + '\n\n' + info.map((l) => '- ' + l).join('\n') + '\n');
  if (rLex.last.errors || rParse.last.errors || rCheck.last.errors) console.log('\nwarning: the generated file has diagnostics; the figures include error handling');
} finally {
  fs.rmSync(gen.dir, { recursive: true, force: true });
}
