/** `kasc import hf CONFIG [-o FILE] [--name NAME]`: a Hugging Face config.json → a .kas model. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { VERSION } from '../../version.js';
import { diagnostic } from '../../diagnostics/codes.js';
import { printPlainDiagnostics, usageError, type CommandRegistration } from '../shared.js';

export const registerImport: CommandRegistration = (program, setExit) => {
  program
    .command('import')
    .description('write a .kas model from a Hugging Face config.json (`kasc import hf config.json`)')
    .argument('<format>', 'what to import: hf')
    .argument('<config>', 'the config.json')
    .option('-o, --out <file>', 'write the .kas here instead of printing it')
    .option('--name <name>', 'the model name (default: from the file or folder name)')
    .action(async (format: string, config: string, opts: { out?: string; name?: string }) => {
      if (format !== 'hf') usageError(`kasc imports \`hf\` (Hugging Face config.json), not \`${format}\``);
      const { importHfConfig } = await import('../../interop/hf-import.js');
      let text: string;
      try {
        text = fs.readFileSync(config, 'utf8');
      } catch {
        printPlainDiagnostics([diagnostic('fileNotFound', { path: config }, undefined)]);
        setExit(1);
        return;
      }
      const source = path.relative(process.cwd(), path.resolve(config)).split(path.sep).join('/');
      const r = importHfConfig(text, { source, version: VERSION, ...(opts.name !== undefined ? { name: opts.name } : {}) });
      printPlainDiagnostics(r.diagnostics);
      if (r.kas === undefined) {
        setExit(1);
        return;
      }
      if (opts.out) {
        fs.mkdirSync(path.dirname(path.resolve(opts.out)), { recursive: true });
        fs.writeFileSync(opts.out, r.kas);
      } else process.stdout.write(r.kas);
    });
};
