/** `kasc build FILE [-o DIR]`: check, then write the outputs atomically (nothing on error). */
import * as path from 'node:path';
import { compile } from '../../passes/index.js';
import { renderReportJson } from '../../emit/report/json.js';
import { renderReportMarkdown } from '../../emit/report/markdown.js';
import { writeOutputsAtomically } from '../write.js';
import { diskReader, displaySource, parseFormat, printDiagnostics, type CommandRegistration, type Format } from '../shared.js';

export const registerBuild: CommandRegistration = (program, setExit) => {
  program
    .command('build')
    .description('check FILE and write report.md and report.json (nothing is written if there are errors)')
    .argument('<file>', 'the .kas file to build')
    .option('-o, --out <dir>', 'output directory (default: build/<file-stem>)')
    .option('--format <format>', 'diagnostics format: human or json', parseFormat, 'human' as Format)
    .option('-q, --quiet', 'print nothing on success')
    .action((file: string, opts: { out?: string; format: Format; quiet?: boolean }) => {
      const r = compile(file, diskReader);
      if (printDiagnostics(r, opts.format) || !r.analysis) {
        setExit(1);
        return;
      }
      const source = displaySource(file);
      const out = opts.out ?? path.join('build', path.basename(file).replace(/\.kas$/, ''));
      const files = {
        'report.md': renderReportMarkdown(r.analysis, source),
        'report.json': renderReportJson(r.analysis, source),
      };
      writeOutputsAtomically(out, files);
      if (!opts.quiet) process.stdout.write(`wrote ${Object.keys(files).map((f) => path.join(out, f)).join(', ')}\n`);
    });
};
