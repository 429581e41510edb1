/** `kasc check FILE...`: every diagnostic of every file. */
import { diagnosticsToJson } from '../../diagnostics/render.js';
import { compileFile, parseFormat, printDiagnostics, type CommandRegistration, type Format } from '../shared.js';

export const registerCheck: CommandRegistration = (program, setExit) => {
  program
    .command('check')
    .description('check files and print every diagnostic')
    .argument('<files...>', '.kas files to check')
    .option('--format <format>', 'diagnostics format: human or json', parseFormat, 'human' as Format)
    .action((files: string[], opts: { format: Format }) => {
      const all: unknown[] = [];
      for (const file of files) {
        const r = compileFile(file, { json: opts.format === 'json' });
        if (opts.format === 'json') all.push(...diagnosticsToJson(r.diagnostics.items, r.source));
        else printDiagnostics(r, 'human');
        if (r.diagnostics.hasErrors) setExit(1);
      }
      if (opts.format === 'json') process.stdout.write(JSON.stringify(all, null, 2) + '\n');
    });
};
