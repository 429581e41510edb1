/**
 * A small LSP client for tests: starts `node bin/kasc.js lsp --stdio` (after `npm run build`) and
 * talks JSON-RPC to it over the child's stdin and stdout with vscode-jsonrpc.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node.js';
import type { Diagnostic, InitializeResult, PublishDiagnosticsParams } from 'vscode-languageserver-protocol';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface LspClient {
  readonly connection: MessageConnection;
  readonly child: ChildProcess;
  readonly initialized: InitializeResult;
  /** Opens or replaces a document and resolves with the diagnostics published for that version. */
  open(uri: string, text: string): Promise<Diagnostic[]>;
  change(uri: string, text: string): Promise<Diagnostic[]>;
  /** Every diagnostics notification, whatever its document. */
  onDiagnostics(listener: (p: PublishDiagnosticsParams) => void): void;
  request<R>(method: string, params: unknown): Promise<R>;
  /** `shutdown` then `exit`; resolves with the server's exit code. */
  close(): Promise<number | null>;
}

export async function startServer(): Promise<LspClient> {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'kasc.js'), 'lsp', '--stdio'], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const connection = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
  const waiting = new Map<string, { version: number; resolve: (d: Diagnostic[]) => void; reject: (e: Error) => void }>();
  const listeners: ((p: PublishDiagnosticsParams) => void)[] = [];
  connection.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
    for (const l of listeners) l(p);
    const w = waiting.get(p.uri);
    if (w && p.version === w.version) {
      waiting.delete(p.uri);
      w.resolve(p.diagnostics);
    }
  });
  connection.onNotification('window/logMessage', (m: { message: string }) => (stderr += m.message + '\n'));
  connection.listen();
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  // A server that dies fails whatever is waiting for it, with what it printed.
  void exited.then((code) => {
    for (const w of waiting.values()) w.reject(new Error(`kasc lsp exited with ${code}: ${stderr}`));
    waiting.clear();
  });
  const initialized = await connection.sendRequest<InitializeResult>('initialize', { processId: process.pid, rootUri: null, capabilities: {}, workspaceFolders: null });
  await connection.sendNotification('initialized', {});
  const versions = new Map<string, number>();
  const diagnosticsFor = (uri: string, version: number) => new Promise<Diagnostic[]>((resolve, reject) => waiting.set(uri, { version, resolve, reject }));
  return {
    connection,
    child,
    initialized,
    async open(uri, text) {
      versions.set(uri, 1);
      const d = diagnosticsFor(uri, 1);
      await connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'kas', version: 1, text } });
      return d;
    },
    async change(uri, text) {
      const version = (versions.get(uri) ?? 0) + 1;
      versions.set(uri, version);
      const d = diagnosticsFor(uri, version);
      await connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ text }] });
      return d;
    },
    onDiagnostics: (l) => listeners.push(l),
    request: (method, params) => connection.sendRequest(method, params),
    async close() {
      await connection.sendRequest('shutdown');
      await connection.sendNotification('exit');
      const code = await exited;
      connection.dispose();
      return code;
    },
  };
}
