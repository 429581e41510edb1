/**
 * `kasc import hf`, `kasc export hf` and `kasc emit` as a user runs them: `node bin/kasc.js …` after
 * `npm run build`. Exit codes, stdout, stderr and the files written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const KASC = path.join(ROOT, 'bin', 'kasc.js');

function kasc(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [KASC, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: undefined, NO_COLOR: '1' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

let tmp: string;
beforeAll(() => {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'cli', 'main.js'))) throw new Error('dist/ is missing: run `npm run build` before the e2e tests');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kasc-interop-'));
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('kasc import hf / export hf', () => {
  it('imports a config into a .kas that checks clean, and exports it back', () => {
    const kas = path.join(tmp, 'mixtral.kas');
    const imp = kasc(['import', 'hf', 'test/fixtures/hf/mixtral-8x7b.json', '-o', kas, '--name', 'Mixtral8x7B']);
    expect(imp.stderr).toBe('');
    expect(imp.status).toBe(0);
    expect(fs.readFileSync(kas, 'utf8')).toMatch(/^\/\/ Mixtral8x7B: imported by kasc .* from test\/fixtures\/hf\/mixtral-8x7b.json\n/);
    expect(kasc(['check', kas]).status).toBe(0);
    const report = kasc(['report', kas, '--json']);
    expect(report.status).toBe(0);
    expect(report.stdout).toContain('46702792704');
    const exp = kasc(['export', 'hf', kas]);
    expect(exp.status).toBe(0);
    const cfg = JSON.parse(exp.stdout) as Record<string, unknown>;
    expect(cfg['model_type']).toBe('mixtral');
    expect(cfg['num_local_experts']).toBe(8);
    expect(cfg['num_key_value_heads']).toBe(8);
  });

  it('prints to stdout without -o', () => {
    const r = kasc(['import', 'hf', '../shared/data/hf-configs/deepseek-v3.json']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('model DeepseekV3 {');
    expect(r.stdout).toContain('groups = 8 choose 4');
  });

  it('fails with a named field, exit 1 and no stack trace', () => {
    const bad = path.join(tmp, 'bad.json');
    fs.writeFileSync(bad, JSON.stringify({ model_type: 'qwen2_moe', vocab_size: 10, hidden_size: 64, num_hidden_layers: 2, num_attention_heads: 4 }));
    const r = kasc(['import', 'hf', bad]);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('error[KAS0602]: config.json has no `num_experts`, which model_type `qwen2_moe` needs');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const unknown = path.join(tmp, 'unknown.json');
    fs.writeFileSync(unknown, '{"model_type": "falcon"}');
    const u = kasc(['import', 'hf', unknown]);
    expect(u.status).toBe(1);
    expect(u.stderr).toContain('error[KAS0601]: unknown model_type `falcon`');
  });

  it('rejects an unknown format and asks for --model when a file has several', () => {
    expect(kasc(['import', 'gguf', 'x.json']).status).toBe(1);
    const two = path.join(tmp, 'two.kas');
    fs.writeFileSync(two, 'model A { vocab = 8  hidden = 8  layers = 1  attention = mha { heads = 1 }  ffn = swiglu { intermediate = 8 } }\nmodel B { vocab = 8  hidden = 8  layers = 1  attention = mha { heads = 1 }  ffn = swiglu { intermediate = 8 } }\n');
    const r = kasc(['export', 'hf', two]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('error[KAS0608]');
    const b = kasc(['export', 'hf', two, '--model', 'B']);
    expect(b.status).toBe(0);
    expect(JSON.parse(b.stdout).model_type).toBe('llama');
    const j = kasc(['export', 'hf', two, '--model', 'C', '--format', 'json']);
    expect(j.status).toBe(1);
    expect(JSON.parse(j.stderr)[0]).toMatchObject({ code: 'KAS0607', help: 'it declares `A`, `B`' });
  });
});

describe('kasc emit', () => {
  it('prints the DeepSeek-V3 training run as Megatron-Core arguments', () => {
    const r = kasc(['emit', 'megatron', 'examples/deepseek-v3-train.kas']);
    expect(r.status).toBe(0);
    const args = r.stdout.replace(/ \\\n/g, ' ');
    for (const flag of ['--num-experts 256', '--moe-router-topk 8', '--kv-lora-rank 512', '--q-lora-rank 1536', '--moe-router-num-groups 8', '--moe-router-group-topk 4', '--moe-router-score-function sigmoid', '--moe-router-enable-expert-bias', '--multi-latent-attention']) {
      expect(args).toContain(flag);
    }
    expect(r.stderr).toContain('warning[KAS0609]: Megatron-Core has no launch argument for the DualPipe schedule');
  });

  it('writes the SGLang placement file when asked', () => {
    const file = path.join(tmp, 'loc.json');
    const r = kasc(['emit', 'sglang', 'test/golden/interop/_inputs/moe-serve-placement.kas', '--placement-out', file]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`--init-expert-location ${file}`);
    const loc = JSON.parse(fs.readFileSync(file, 'utf8')) as { physical_to_logical_map: number[][] };
    expect(loc.physical_to_logical_map).toHaveLength(4);
    expect(loc.physical_to_logical_map[1]).toHaveLength(24);
  });

  it('refuses a deployment of the wrong kind and an unknown engine', () => {
    const r = kasc(['emit', 'vllm', 'examples/deepseek-v3-train.kas']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('error[KAS0610]: vLLM launches serve deployments, but `V3Pretrain` is a train deployment');
    expect(kasc(['emit', 'trtllm', 'examples/deepseek-v3-serve.kas']).status).toBe(1);
    const missing = kasc(['emit', 'sglang', 'examples/deepseek-v3-serve.kas', '--deployment', 'Nope']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('error[KAS0607]');
  });
});
