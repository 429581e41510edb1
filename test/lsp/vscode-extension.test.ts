/**
 * editors/vscode: the extension uses the generated grammar files (copied at install and package time,
 * never committed twice) and starts `kasc lsp --stdio` as the setting says. VS Code itself is not
 * here, so what can be checked without it is checked: the manifest, the copy, the command line.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { ROOT } from './fixture.js';

const EXT = path.join(ROOT, 'editors', 'vscode');
const manifest = JSON.parse(fs.readFileSync(path.join(EXT, 'package.json'), 'utf8'));
const { serverCommand } = createRequire(import.meta.url)(path.join(EXT, 'server-command.js')) as { serverCommand: (s: string, node: string) => { command: string; args: string[] } };

describe('the VS Code extension', () => {
  it('contributes the kas language with the generated grammar and language configuration', () => {
    const grammar = JSON.parse(fs.readFileSync(path.join(ROOT, 'grammar', 'kas.tmLanguage.json'), 'utf8'));
    const [language] = manifest.contributes.languages;
    const [g] = manifest.contributes.grammars;
    expect(language).toMatchObject({ id: 'kas', extensions: ['.kas'], configuration: './language-configuration.json' });
    expect(g).toEqual({ language: 'kas', scopeName: grammar.scopeName, path: './syntaxes/kas.tmLanguage.json' });
    expect(manifest.contributes.configuration.properties['kas.server.path'].default).toBe('npx kasc');
    expect(Object.keys(manifest.dependencies)).toEqual(['vscode-languageclient']);
  });

  it('copies the generated files byte for byte, to the paths the manifest names', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'kas-vscode-'));
    try {
      const r = spawnSync(process.execPath, [path.join(EXT, 'scripts', 'copy-grammar.mjs'), '--out', out], { encoding: 'utf8' });
      expect(r.status).toBe(0);
      for (const [from, to] of [
        ['kas.tmLanguage.json', manifest.contributes.grammars[0].path],
        ['language-configuration.json', manifest.contributes.languages[0].configuration],
      ]) {
        expect(fs.readFileSync(path.join(out, to), 'utf8')).toBe(fs.readFileSync(path.join(ROOT, 'grammar', from), 'utf8'));
      }
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  it('keeps the copies out of git', () => {
    const ignored = fs.readFileSync(path.join(EXT, '.gitignore'), 'utf8').split('\n');
    expect(ignored).toEqual(expect.arrayContaining(['syntaxes/', 'language-configuration.json']));
  });

  it('starts `kasc lsp --stdio` as `kas.server.path` says', () => {
    expect(serverCommand('npx kasc', '/node')).toEqual({ command: 'npx', args: ['kasc', 'lsp', '--stdio'] });
    expect(serverCommand('', '/node')).toEqual({ command: 'npx', args: ['kasc', 'lsp', '--stdio'] });
    expect(serverCommand('/opt/kasc/bin/kasc.js', '/node')).toEqual({ command: '/node', args: ['/opt/kasc/bin/kasc.js', 'lsp', '--stdio'] });
    expect(serverCommand('"/My Tools/kasc" --quiet', '/node')).toEqual({ command: '/My Tools/kasc', args: ['--quiet', 'lsp', '--stdio'] });
  });

  it('the command it builds starts a server that answers', async () => {
    const { command, args } = serverCommand(path.join(ROOT, 'bin', 'kasc.js'), process.execPath);
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'] });
    const init = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { processId: null, rootUri: null, capabilities: {} } });
    let out = '';
    const answered = new Promise<void>((resolve) =>
      child.stdout.on('data', (d) => {
        out += d;
        if (out.includes('"id":1')) resolve();
      }),
    );
    child.stdin.write(`Content-Length: ${Buffer.byteLength(init)}\r\n\r\n${init}`);
    await answered;
    child.kill();
    expect(out).toContain('"hoverProvider":true');
  });
});
