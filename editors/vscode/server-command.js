// @ts-check
'use strict';
/**
 * The command line that starts the language server, from the `kas.server.path` setting: the setting
 * split into words (double quotes group a path with spaces), then `lsp --stdio`. A `.js` file is run
 * with the Node that runs VS Code's extension host.
 *
 * @param {string} setting  for example `npx kasc`, `/opt/kasc/bin/kasc.js`, `"C:\\My Tools\\kasc.cmd"`
 * @param {string} nodePath process.execPath
 * @returns {{ command: string, args: string[] }}
 */
function serverCommand(setting, nodePath) {
  const words = [];
  for (const m of (setting.trim() || 'npx kasc').matchAll(/"([^"]*)"|(\S+)/g)) words.push(m[1] ?? m[2]);
  let [command, ...args] = words;
  if (/\.m?js$/.test(command)) {
    args = [command, ...args];
    command = nodePath;
  }
  return { command, args: [...args, 'lsp', '--stdio'] };
}

module.exports = { serverCommand };
