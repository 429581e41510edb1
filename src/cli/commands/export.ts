/** `kasc export hf FILE [--model NAME] [--model-type TYPE] [-o config.json]`: a .kas model → config.json. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseFormat, printPlainDiagnostics, usageError, type CommandRegistration, type Format } from '../shared.js';
import { compileAndPickModel } from '../pick.js';

export const registerExport: CommandRegistration = (program, setExit) => {
  program
    .command('export')
    .description('write a model of FILE as a Hugging Face config.json (`kasc export hf FILE`)')
    .argument('<format>', 'what to export: hf')
    .argument('<file>', 'the .kas file')
    .option('--model <name>', 'the model to export (needed when FILE has several)')
    .option('--model-type <type>', 'the Hugging Face model_type (default: chosen from the architecture)')
    .option('-o, --out <file>', 'write config.json here instead of printing it')
    .option('--format <format>', 'diagnostics format: human or json', parseFormat, 'human' as Format)
    .action(async (format: string, file: string, opts: { model?: string; modelType?: string; out?: string; format: Format }) => {
      if (format !== 'hf') usageError(`kasc exports \`hf\` (Hugging Face config.json), not \`${format}\``);
      const { exportHfConfig } = await import('../../interop/hf-export.js');
      const { HF_MODEL_TYPES, isHfModelType } = await import('../../interop/hf-types.js');
      if (opts.modelType !== undefined && !isHfModelType(opts.modelType)) usageError(`--model-type must be one of ${HF_MODEL_TYPES.join(', ')}, not \`${opts.modelType}\``);
      const picked = compileAndPickModel(file, opts.format, opts.model);
      if (!picked) {
        setExit(1);
        return;
      }
      const out = exportHfConfig(picked.model, opts.modelType as Parameters<typeof exportHfConfig>[1]);
      printPlainDiagnostics(out.diagnostics, picked.r.source, opts.format);
      if (out.text === undefined) {
        setExit(1);
        return;
      }
      if (opts.out) {
        fs.mkdirSync(path.dirname(path.resolve(opts.out)), { recursive: true });
        fs.writeFileSync(opts.out, out.text);
      } else process.stdout.write(out.text);
    });
};
