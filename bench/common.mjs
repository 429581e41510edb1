/** Shared helpers for the bench scripts: statistics, machine description, tables. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { spawnSync } from 'node:child_process';

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
export const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  const i = (s.length - 1) * q;
  const lo = Math.floor(i);
  return s[lo] + (s[Math.ceil(i)] - s[lo]) * (i - lo);
};

export function machine() {
  let cpu = os.cpus()[0]?.model ?? 'unknown';
  try {
    const m = /^model name\s*:\s*(.*)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) cpu = m[1].trim();
  } catch {}
  let nproc = os.availableParallelism?.() ?? os.cpus().length;
  const r = spawnSync('nproc', [], { encoding: 'utf8' });
  if (r.status === 0) nproc = Number(r.stdout.trim());
  return {
    cpu,
    nproc,
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    load: os.loadavg().map((x) => x.toFixed(2)).join(' '),
    date: new Date().toISOString(),
  };
}

/** A plain-text table, columns padded; numbers right-aligned. */
export function table(head, rows) {
  const all = [head, ...rows].map((r) => r.map(String));
  const w = head.map((_, c) => Math.max(...all.map((r) => r[c].length)));
  const fmt = (r) => r.map((s, c) => (c === 0 ? s.padEnd(w[c]) : s.padStart(w[c]))).join('  ');
  return [fmt(all[0]), w.map((n) => '-'.repeat(n)).join('  '), ...all.slice(1).map(fmt)].join('\n');
}

/** A markdown table. */
export function mdTable(head, rows) {
  const line = (r) => '| ' + r.map(String).join(' | ') + ' |';
  return [line(head), line(head.map((_, i) => (i === 0 ? '---' : '---:'))), ...rows.map(line)].join('\n');
}

/** Peak RSS (KiB) of a command: GNU time's %M when /usr/bin/time exists, else null. */
export function peakRssKiB(cmd, args, opts = {}) {
  if (!fs.existsSync('/usr/bin/time')) return null;
  const r = spawnSync('/usr/bin/time', ['-f', '%M', cmd, ...args], { encoding: 'utf8', ...opts });
  const last = r.stderr.trim().split('\n').pop();
  const n = Number(last);
  return Number.isFinite(n) ? n : null;
}

/**
 * Peak RSS (KiB) without GNU time: runs `node <script> args` in a child that imports the script and,
 * on exit, reports its own process.resourceUsage().maxRSS on fd 3.
 */
export function peakRssKiBNode(script, args, opts = {}) {
  const code =
    `process.on('exit',()=>{require('fs').writeSync(3,String(process.resourceUsage().maxRSS))});` +
    `process.argv.splice(1,0,${JSON.stringify(script)});import(${JSON.stringify('file://' + script)});`;
  const r = spawnSync(process.execPath, ['-e', code, '--', ...args], { stdio: ['ignore', 'ignore', 'ignore', 'pipe'], ...opts });
  const n = Number(String(r.output[3] ?? '').trim());
  return Number.isFinite(n) && n > 0 ? n : null;
}

export const fmtMs = (ms) => ms.toFixed(1);
export const fmtInt = (n) => Math.round(n).toLocaleString('en-US');
