/**
 * `kasc emit megatron|sglang|vllm FILE [--deployment NAME]`: the launch arguments of a deployment for a
 * training or serving engine, one per line, ready to paste after the engine's command. Megatron-Core
 * takes `train` deployments; SGLang and vLLM take `serve` deployments.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { diagnostic } from '../../diagnostics/codes.js';
import { parseFormat, printPlainDiagnostics, usageError, type CommandRegistration, type Format } from '../shared.js';
import { compileAndPickDeployment } from '../pick.js';

export const registerEmit: CommandRegistration = (program, setExit) => {
  program
    .command('emit')
    .description('print the launch arguments of a deployment for megatron (train), sglang or vllm (serve)')
    .argument('<engine>', 'megatron, sglang or vllm')
    .argument('<file>', 'the .kas file')
    .option('--deployment <name>', 'the deployment (needed when FILE has several)')
    .option('--placement-out <file>', 'write the expert placement file the arguments name (SGLang --init-expert-location)')
    .option('--format <format>', 'diagnostics format: human or json', parseFormat, 'human' as Format)
    .action(async (engine: string, file: string, opts: { deployment?: string; placementOut?: string; format: Format }) => {
      const { ENGINES, ENGINE_NAMES, isEngine, launchConfig, placementOf } = await import('../../interop/engines.js');
      const { renderArgs } = await import('../../interop/launch.js');
      if (!isEngine(engine)) usageError(`kasc emits \`megatron\`, \`sglang\` or \`vllm\` arguments, not \`${engine}\``);
      const e = engine;
      const picked = compileAndPickDeployment(file, opts.format, opts.deployment, ENGINES[e]);
      if (!picked) {
        setExit(1);
        return;
      }
      const { r, deployment: d } = picked;
      if (d.kind !== ENGINES[e]) {
        printPlainDiagnostics([diagnostic('engineWrongKind', { engine: ENGINE_NAMES[e], name: d.name, kind: d.kind, expected: ENGINES[e] }, d.span)], r.source, opts.format);
        setExit(1);
        return;
      }
      const config = launchConfig(e, d, placementOf(r.analysis?.passResults, d), opts.placementOut);
      printPlainDiagnostics(config.notes, r.source, opts.format);
      for (const [name, content] of Object.entries(config.files)) {
        if (opts.placementOut) {
          fs.mkdirSync(path.dirname(path.resolve(opts.placementOut)), { recursive: true });
          fs.writeFileSync(opts.placementOut, content);
        } else process.stderr.write(`note: the arguments name ${name}; write it with --placement-out ${name}\n`);
      }
      process.stdout.write(renderArgs(config.args));
    });
};
