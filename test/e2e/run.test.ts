/**
 * `kasc run` as a user meets it (`node bin/kasc.js run …` after `npm run build`): TinyMoE's prefill and
 * decode on WebGPU checked against the CPU reference, the last line the measured decode throughput.
 * Without a WebGPU adapter the command must exit 1 with a message naming the fix; locally that case
 * skips the run test, with CI=true it fails (the CI machine must have a CPU driver).
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const KASC = path.join(ROOT, 'bin', 'kasc.js');

function kasc(args: string[], env: Record<string, string | undefined> = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [KASC, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const NO_ADAPTER = /no WebGPU adapter/;

describe('kasc run', () => {
  it('runs examples/tiny-moe.kas, matches the CPU reference and ends with tokens/s', (ctx) => {
    const r = kasc(['run', 'examples/tiny-moe.kas']);
    if (r.status === 1 && NO_ADAPTER.test(r.stderr) && !process.env['CI']) ctx.skip();
    expect(r.stderr).not.toMatch(/KAS0901|MISMATCH/);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.filter((l) => / ok$/.test(l))).toHaveLength(5); // prefill + 4 decode steps
    expect(lines.at(-1)).toMatch(/^tokens\/s: \d+(\.\d+)?$/);
  });

  it('fp8 passes too, with the requested number of steps', (ctx) => {
    const r = kasc(['run', 'examples/tiny-moe.kas', '--precision', 'fp8', '--prompt-tokens', '3', '--decode-steps', '2', '--seed', '3']);
    if (r.status === 1 && NO_ADAPTER.test(r.stderr) && !process.env['CI']) ctx.skip();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/prefill \(3 tokens/);
    expect(r.stdout).toMatch(/decode 2 /);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toMatch(/^tokens\/s: /);
  });

  it('without an adapter says what to install, as an error and not a stack trace', () => {
    // Vulkan alone: on a machine with no Vulkan driver this finds no adapter; where one exists the run must pass.
    const r = kasc(['run', 'examples/tiny-moe.kas', '--decode-steps', '1'], { KASC_WEBGPU_BACKEND: 'vulkan' });
    if (r.status === 0) return;
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error: no WebGPU adapter/m);
    expect(r.stderr).toContain('scripts/ensure-system-packages.sh');
    expect(r.stderr).not.toMatch(/KAS0901|internal error/);
  });

  it('rejects a bad --precision with a usage error', () => {
    const r = kasc(['run', 'examples/tiny-moe.kas', '--precision', 'bf16']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('--precision must be `f32` or `fp8`');
  });
});
