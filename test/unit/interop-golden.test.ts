/**
 * Engine launch goldens: for each (input, engine) the arguments `kasc emit` prints, and after them the
 * warnings it writes to stderr (as `#` lines, without code frames), in `test/golden/interop/<input>.<engine>.txt`; SGLang's expert placement
 * file, when there is one, in `<input>.sglang.expert_location.json`. Inputs are the DeepSeek-V3 examples
 * and `test/golden/interop/_inputs/*.kas` (an underscore folder, so the report goldens skip it).
 *
 * `UPDATE_GOLDEN=1 npx vitest run test/unit/interop-golden.test.ts` rewrites them; with `CI` set
 * nothing is ever written, so a golden that was never committed fails there.
 */
import { describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ROOT, memoryReader } from './fixtures.js';
import { compile } from '../../src/passes/index.js';
import { ENGINES, launchConfig, placementOf, type Engine } from '../../src/interop/engines.js';
import { renderArgs } from '../../src/interop/launch.js';

const GOLDEN = path.join(ROOT, 'test/golden/interop');
const UPDATE = process.env['UPDATE_GOLDEN'] === '1' && !process.env['CI'];

const CASES: [input: string, engine: Engine][] = [
  ['examples/deepseek-v3-train.kas', 'megatron'],
  ['examples/deepseek-v3-serve.kas', 'sglang'],
  ['examples/deepseek-v3-serve.kas', 'vllm'],
  ['test/golden/interop/_inputs/moe-serve-placement.kas', 'sglang'],
  ['test/golden/interop/_inputs/moe-serve-placement.kas', 'vllm'],
];

function expectGolden(file: string, actual: string): void {
  const shown = path.relative(ROOT, file);
  if (UPDATE) {
    if (!fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== actual) fs.writeFileSync(file, actual);
    return;
  }
  if (!fs.existsSync(file)) expect.fail(`missing golden ${shown}: run \`UPDATE_GOLDEN=1 npx vitest run test/unit/interop-golden.test.ts\`, read it, and commit it`);
  expect(actual, `${shown} differs; if the change is intended, rerun with UPDATE_GOLDEN=1 and review the diff`).toBe(fs.readFileSync(file, 'utf8'));
}

describe('engine launch goldens', () => {
  for (const [input, engine] of CASES) {
    it(`${engine}: ${input}`, () => {
      const r = compile(path.join(ROOT, input), memoryReader({}), ROOT);
      expect(r.diagnostics.items.filter((d) => d.severity === 'error')).toEqual([]);
      const d = r.ir!.deployments.find((x) => x.kind === ENGINES[engine])!;
      const config = launchConfig(engine, d, placementOf(r.analysis?.passResults, d));
      const stem = path.basename(input, '.kas');
      // Warnings without their code frames: the examples' line numbers are not what these goldens are about.
      const notes = config.notes.map((n) => `\n# ${n.severity}[${n.code}]: ${n.message}\n#   help: ${n.help}`).join('');
      expectGolden(path.join(GOLDEN, `${stem}.${engine}.txt`), `# kasc emit ${engine} ${input}\n` + renderArgs(config.args) + notes);
      for (const [name, content] of Object.entries(config.files)) expectGolden(path.join(GOLDEN, `${stem}.${engine}.${name}`), content);
    });
  }

  it('prints the flags the DeepSeek-V3 training run needs', () => {
    const text = fs.readFileSync(path.join(GOLDEN, 'deepseek-v3-train.megatron.txt'), 'utf8');
    for (const flag of ['--num-experts 256', '--moe-router-topk 8', '--kv-lora-rank 512', '--q-lora-rank 1536', '--moe-router-num-groups 8', '--moe-router-group-topk 4', '--moe-router-score-function sigmoid', '--moe-router-enable-expert-bias', '--multi-latent-attention', '--fp8-format e4m3', '--fp8-recipe blockwise', '--expert-model-parallel-size 64', '--pipeline-model-parallel-size 16', '--mtp-num-layers 1']) {
      expect(text).toContain(flag + ' \\');
    }
  });
});
