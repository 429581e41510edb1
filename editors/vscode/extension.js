// @ts-check
'use strict';
/**
 * The kas extension: the generated TextMate grammar and language configuration (copied from the
 * repository's grammar/ by scripts/copy-grammar.mjs), and a language client that starts
 * `kasc lsp --stdio` (setting `kas.server.path`, default `npx kasc`) for everything else.
 */
const vscode = require('vscode');
const { LanguageClient } = require('vscode-languageclient/node');
const { serverCommand } = require('./server-command.js');

/** @type {LanguageClient | undefined} */
let client;

/** @param {vscode.ExtensionContext} context */
async function activate(context) {
  await start();
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (!e.affectsConfiguration('kas.server.path')) return;
      await stop();
      await start();
    }),
    vscode.commands.registerCommand('kas.restartServer', async () => {
      await stop();
      await start();
    }),
  );
}

async function start() {
  const setting = vscode.workspace.getConfiguration('kas').get('server.path', 'npx kasc');
  const { command, args } = serverCommand(setting, process.execPath);
  const cwd = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  client = new LanguageClient(
    'kas',
    'kasc language server',
    { command, args, options: { ...(cwd ? { cwd } : {}), shell: process.platform === 'win32' } },
    {
      documentSelector: [
        { scheme: 'file', language: 'kas' },
        { scheme: 'untitled', language: 'kas' },
      ],
      // An imported file changed on disk changes what the open files mean.
      synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher('**/*.kas') },
    },
  );
  try {
    await client.start();
  } catch (e) {
    void vscode.window.showErrorMessage(`kas: could not start \`${[command, ...args].join(' ')}\` (${e instanceof Error ? e.message : String(e)}). Set \`kas.server.path\` to your kasc.`);
  }
}

async function stop() {
  const c = client;
  client = undefined;
  if (c) await c.stop();
}

function deactivate() {
  return stop();
}

module.exports = { activate, deactivate };
