/**
 * `kasc lsp --stdio`: the language server. It keeps the open buffers (src/lsp/workspace.ts), runs the
 * compiler on each document as it changes and publishes its diagnostics, and answers hover,
 * completion, definition, document-symbol and formatting requests, one file per service.
 */
import * as path from 'node:path';
import { TextDocument } from 'vscode-languageserver-textdocument';
import {
  createConnection,
  StreamMessageReader,
  StreamMessageWriter,
  TextDocuments,
  TextDocumentSyncKind,
  type Connection,
  type InitializeResult,
} from 'vscode-languageserver/node.js';
import { VERSION } from '../version.js';
import { Workspace } from './workspace.js';
import { uriToPath } from './position.js';
import { documentDiagnostics } from './diagnostics.js';
import { hover } from './hover.js';
import { completion } from './completion.js';
import { definition } from './definition.js';
import { documentSymbols } from './symbols.js';
import { formatDocument } from './formatting.js';
import { FullChecker } from './full-check.js';
import type { Diagnostic } from '../diagnostics/diagnostic.js';

/** How long typing must pause before the co-design passes run. */
const FULL_CHECK_DELAY_MS = 250;

export function startServer(input: NodeJS.ReadableStream = process.stdin, output: NodeJS.WritableStream = process.stdout): Connection {
  const connection = createConnection(new StreamMessageReader(input), new StreamMessageWriter(output));
  const documents = new TextDocuments(TextDocument);
  let ws = new Workspace(process.cwd());

  connection.onInitialize((params): InitializeResult => {
    const root = params.workspaceFolders?.[0]?.uri ?? params.rootUri;
    if (root?.startsWith('file:')) ws = new Workspace(uriToPath(root, process.cwd()));
    else if (params.rootPath) ws = new Workspace(path.resolve(params.rootPath));
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        hoverProvider: true,
        completionProvider: { triggerCharacters: ['.', '"', '/'] },
        definitionProvider: true,
        documentSymbolProvider: true,
        documentFormattingProvider: true,
      },
      serverInfo: { name: 'kasc', version: VERSION },
    };
  });

  // Diagnostics in two steps, for every open document (an edit in one file can change what another
  // means). At once, after each change: everything up to the cost model, in milliseconds. When typing
  // pauses: the whole pipeline with the co-design passes, in a worker, published for the same
  // version if nothing changed meanwhile. Until then, the passes' last findings for a document stay
  // shown, so they do not blink out at every keystroke.
  const checker = new FullChecker();
  const passFindings = new Map<string, Diagnostic[]>();
  const key = (d: Diagnostic) => `${d.code}|${d.span?.file}|${d.span?.start}|${d.message}`;
  let scheduled = false;
  let fullTimer: NodeJS.Timeout | undefined;
  const publishAll = () => {
    scheduled = false;
    for (const doc of documents.all()) {
      const diagnostics = guard(connection, 'diagnostics', () => {
        const analysis = ws.analyze(doc.uri);
        const items = analysis.result.diagnostics.items;
        const kept = analysis.result.diagnostics.hasErrors ? [] : (passFindings.get(doc.uri) ?? []);
        return documentDiagnostics(analysis, ws, [...items, ...kept]);
      });
      void connection.sendDiagnostics({ uri: doc.uri, version: doc.version, diagnostics: diagnostics ?? [] });
    }
    clearTimeout(fullTimer);
    fullTimer = setTimeout(() => {
      checkFully().catch((e: unknown) => connection.console.error(`kasc ${VERSION}: internal error in the full check: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`));
    }, FULL_CHECK_DELAY_MS);
  };
  const checkFully = async () => {
    const generation = ws.generation;
    for (const doc of documents.all()) {
      const analysis = ws.analyze(doc.uri);
      if (analysis.result.diagnostics.hasErrors) {
        passFindings.delete(doc.uri);
        continue;
      }
      const r = await checker.check(analysis.path, ws.root, ws.buffers());
      if (ws.generation !== generation) return;
      if (r.error) connection.console.error(`kasc ${VERSION}: internal error in the full check: ${r.error}`);
      const fast = new Set(analysis.result.diagnostics.items.map(key));
      passFindings.set(doc.uri, r.diagnostics.filter((d) => !fast.has(key(d))));
      const diagnostics = guard(connection, 'diagnostics', () => documentDiagnostics(analysis, ws, r.error ? analysis.result.diagnostics.items : r.diagnostics)) ?? [];
      void connection.sendDiagnostics({ uri: doc.uri, version: doc.version, diagnostics });
    }
  };
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(publishAll);
  };

  documents.onDidChangeContent((e) => {
    ws.setBuffer(e.document.uri, e.document.getText(), e.document.version);
    schedule();
  });
  documents.onDidClose((e) => {
    ws.closeBuffer(e.document.uri);
    passFindings.delete(e.document.uri);
    void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
    schedule();
  });
  connection.onDidChangeWatchedFiles(() => {
    ws.invalidate();
    schedule();
  });

  const at = (uri: string, position: { line: number; character: number }) => {
    const analysis = ws.analyze(uri);
    return { analysis, offset: analysis.lines.offset(position) };
  };
  connection.onHover((p) => guard(connection, 'hover', () => {
    const { analysis, offset } = at(p.textDocument.uri, p.position);
    return hover(analysis, offset) ?? null;
  }) ?? null);
  connection.onCompletion((p) => guard(connection, 'completion', () => {
    const { analysis, offset } = at(p.textDocument.uri, p.position);
    return completion(analysis, offset, ws.openPaths());
  }) ?? []);
  connection.onDefinition((p) => guard(connection, 'definition', () => {
    const { analysis, offset } = at(p.textDocument.uri, p.position);
    return definition(analysis, offset, ws) ?? null;
  }) ?? null);
  connection.onDocumentSymbol((p) => guard(connection, 'document symbols', () => documentSymbols(ws.analyze(p.textDocument.uri))) ?? []);
  connection.onDocumentFormatting((p) => guard(connection, 'formatting', () => {
    const analysis = ws.analyze(p.textDocument.uri);
    return formatDocument(analysis.text, analysis.path, analysis.lines);
  }) ?? []);

  documents.listen(connection);
  connection.listen();
  return connection;
}

/**
 * A bug in a service must not take the server down with it: the request gets an empty answer and
 * the editor's output panel the trace, as `kasc` prints an internal error.
 */
function guard<T>(connection: Connection, what: string, f: () => T): T | undefined {
  try {
    return f();
  } catch (e) {
    connection.console.error(`kasc ${VERSION}: internal error in ${what}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return undefined;
  }
}
