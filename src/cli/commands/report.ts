/** `kasc report FILE [--json]`: print the report instead of writing it. */
import { renderReportJson } from '../../emit/report/json.js';
import { renderReportMarkdown } from '../../emit/report/markdown.js';
import { compileFile, displaySource, parseFormat, printDiagnostics, type CommandRegistration, type Format } from '../shared.js';

export const registerReport: CommandRegistration = (program, setExit) => {
  program
    .command('report')
    .description('check FILE and print its report (markdown, or JSON with --json)')
    .argument('<file>', 'the .kas file')
    .option('--json', 'print report.json instead of markdown')
    .option('--format <format>', 'diagnostics format: human or json', parseFormat, 'human' as Format)
    .action((file: string, opts: { json?: boolean; format: Format }) => {
      const r = compileFile(file, { json: opts.json || opts.format === 'json' });
      if (printDiagnostics(r, opts.format) || !r.analysis) {
        setExit(1);
        return;
      }
      const source = displaySource(file);
      process.stdout.write(opts.json ? renderReportJson(r.analysis, source) : renderReportMarkdown(r.analysis, source));
    });
};
