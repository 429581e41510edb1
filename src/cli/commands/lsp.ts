/** `kasc lsp --stdio`: the language server, speaking LSP over stdin and stdout. */
import type { CommandRegistration } from '../shared.js';

export const registerLsp: CommandRegistration = (program) => {
  program
    .command('lsp')
    .description('run the language server (for editors), speaking LSP over stdin/stdout')
    .option('--stdio', 'talk over stdin and stdout (the only transport, also without the flag)')
    .action(async () => {
      // vscode-languageserver loads only here, so other commands do not pay for it at start-up.
      const { startServer } = await import('../../lsp/server.js');
      startServer();
    });
};
