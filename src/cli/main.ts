/**
 * The kasc command line. Exit codes: 0 success, 1 user error (diagnostics, usage), 2 internal error.
 * Diagnostics go to stderr, in colour only on a terminal and never with NO_COLOR. Each command lives
 * in src/cli/commands/ and is listed once in COMMANDS.
 */
import { Command, CommanderError } from 'commander';
import { VERSION } from '../version.js';
import type { CommandRegistration } from './shared.js';
import { registerBuild } from './commands/build.js';
import { registerCheck } from './commands/check.js';
import { registerReport } from './commands/report.js';
import { registerImport } from './commands/import.js';
import { registerExport } from './commands/export.js';
import { registerEmit } from './commands/emit.js';
import { registerFmt } from './commands/fmt.js';
import { registerLsp } from './commands/lsp.js';
import { registerPlace } from './commands/place.js';
import { registerRun } from './commands/run.js';
import { registerSearch } from './commands/search.js';

/** Every command, in the order `kasc --help` lists them. */
const COMMANDS: CommandRegistration[] = [registerBuild, registerCheck, registerReport, registerFmt, registerLsp, registerPlace, registerImport, registerExport, registerEmit, registerRun, registerSearch];

export async function main(argv: string[]): Promise<number> {
  let exit = 0;
  const program = new Command()
    .name('kasc')
    .description('compile .kas descriptions of LLMs, hardware and deployments into co-design reports')
    .version(VERSION, '-V, --version')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s), writeOut: (s) => process.stdout.write(s) })
    .showHelpAfterError('(run `kasc --help` or `kasc <command> --help` for usage)');
  for (const register of COMMANDS) register(program, (code) => (exit = Math.max(exit, code)));

  try {
    if (argv.length === 0) {
      program.outputHelp();
      return 1;
    }
    await program.parseAsync(argv, { from: 'user' });
    return exit;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      if (e.code === 'kasc.usage') process.stderr.write(e.message + '\n');
      return 1;
    }
    const detail = e instanceof Error ? (e.stack ?? e.message) : String(e);
    process.stderr.write(
      `error[KAS0901]: internal error: ${e instanceof Error ? e.message : String(e)}\n` +
        ` = help: this is a bug in kasc ${VERSION}, not in your file; please report it with the input and this trace:\n` +
        detail
          .split('\n')
          .map((l) => '   ' + l)
          .join('\n') +
        '\n',
    );
    return 2;
  }
}
