/**
 * The language server as an editor meets it: `kasc lsp --stdio` in a child process, spoken to in
 * JSON-RPC. Documents are open buffers under a folder that does not exist, so nothing touches disk;
 * they import the stdlib and each other. `|` marks a cursor.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompletionItem, DocumentSymbol, Hover, Location, TextEdit } from 'vscode-languageserver-protocol';
import { pathToFileURL } from 'node:url';
import { ROOT, startServer, type LspClient } from './lsp-client.js';

const DIR = path.join(ROOT, 'test', 'e2e', 'virtual-lsp');
const uri = (name: string) => pathToFileURL(path.join(DIR, name)).href;

/** Text without `|` markers, and the LSP position of each marker. */
function marked(src: string): { text: string; at: { line: number; character: number }[] } {
  const at: { line: number; character: number }[] = [];
  let text = '';
  src.split('|').forEach((part, i) => {
    if (i > 0) {
      const lines = text.split('\n');
      at.push({ line: lines.length - 1, character: lines[lines.length - 1]!.length });
    }
    text += part;
  });
  return { text, at };
}

const HARDWARE = `gpu Chip {
  memory = 80 GB
  bandwidth = 2 TB/s
  peak { bf16 = 312 TFLOP/s }
}
node |Box {
  gpus = 8 x Chip
  scaleup = nvlink { bandwidth = 400 GB/s }
  nics = 8 x ib { bandwidth = 400 Gb/s }
}
`;

const MAIN = `import "models/deepseek-v3"
import "./hardware"

model Tiny {
  vocab = 32000
  hidden = 2048
  layers = 16
  attention = gqa { heads = 16  kv_heads = 4 }
  ffn = swiglu { intermediate = 8192 }
  |
}

cluster Pod {
  nodes = 4 x B|ox
  network = fat_tree { radix = 64 }
}

const WIDTH = Deep|SeekV3.hidden
`;

/** Three independent mistakes, in three declarations. */
const BROKEN = `model A {
  vocab = 1000
  hidden = 64
  layers = 2
  attention = gqa { heads = 8  kv_heads = 3 }
  ffn = swiglu { intermediate = 256 }
}
gpu G {
  memory = 80 GB/s
  bandwidth = 2 TB/s
  peak { bf16 = 1 TFLOP/s }
}
const C = 1 +
`;

describe('kasc lsp --stdio', () => {
  let server: LspClient;
  const main = marked(MAIN);
  const hw = marked(HARDWARE);

  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    if (server) expect(await server.close()).toBe(0);
  });

  it('initializes with the services it offers', () => {
    const caps = server.initialized.capabilities;
    expect(server.initialized.serverInfo?.name).toBe('kasc');
    expect(caps).toMatchObject({ hoverProvider: true, definitionProvider: true, documentSymbolProvider: true, documentFormattingProvider: true });
    expect(caps.completionProvider?.triggerCharacters).toContain('.');
  });

  it('publishes no diagnostics for a clean document', async () => {
    const clean = (ds: { message: string }[]) => ds.map((d) => d.message);
    expect(clean(await server.open(uri('hardware.kas'), hw.text))).toEqual([]);
    expect(clean(await server.open(uri('main.kas'), main.text))).toEqual([]);
  });

  it('hover on a model names its parameter count', async () => {
    const h = await server.request<Hover>('textDocument/hover', { textDocument: { uri: uri('main.kas') }, position: main.at[2] });
    const value = (h.contents as { value: string }).value;
    expect(value).toContain('**model** `DeepSeekV3`');
    expect(value).toMatch(/parameters: \*\*671\.0\dB\*\* total \(671,0[\d,]+\), \*\*37\.\d\dB\*\* activated per token/);
    expect(value).toContain('KV cache per token: 70.27 KB in bf16');
  });

  it('completion inside a model block offers its fields', async () => {
    const items = await server.request<CompletionItem[]>('textDocument/completion', { textDocument: { uri: uri('main.kas') }, position: main.at[0] });
    const labels = items.map((i) => i.label);
    expect(labels).toEqual(expect.arrayContaining(['norm', 'tied_embeddings', 'context', 'moe', 'mtp']));
    expect(labels).not.toContain('vocab');
    expect(items.find((i) => i.label === 'context')?.detail).toBe('a whole number ≥ 1');
  });

  it('go to definition across an import', async () => {
    const loc = await server.request<Location>('textDocument/definition', { textDocument: { uri: uri('main.kas') }, position: main.at[1] });
    expect(loc).toEqual({ uri: uri('hardware.kas'), range: { start: hw.at[0], end: { ...hw.at[0]!, character: hw.at[0]!.character + 3 } } });
  });

  it('document symbols', async () => {
    const symbols = await server.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri: uri('main.kas') } });
    expect(symbols.map((s) => `${s.detail} ${s.name}`)).toEqual(['model Tiny', 'cluster Pod', 'const WIDTH']);
    expect(symbols[0]!.children!.map((c) => c.name)).toEqual(['vocab', 'hidden', 'layers', 'attention', 'ffn']);
  });

  it('a broken document gets one diagnostic per mistake, with the CLI codes, and none once fixed', async () => {
    const ds = await server.open(uri('broken.kas'), BROKEN);
    expect(ds.map((d) => [d.code, d.range.start.line])).toEqual([
      ['KAS0405', 4],
      ['KAS0304', 8],
      ['KAS0101', 13],
    ]);
    const fixed = BROKEN.replace('kv_heads = 3', 'kv_heads = 4').replace('80 GB/s', '80 GB').replace('1 +\n', '1 + 2\n');
    expect(await server.change(uri('broken.kas'), fixed)).toEqual([]);
  });

  it('an edit in one open file re-checks the files that import it', async () => {
    const waitMain = new Promise<unknown[]>((resolve) =>
      server.onDiagnostics((p) => {
        if (p.uri === uri('main.kas') && p.diagnostics.length) resolve(p.diagnostics);
      }),
    );
    await server.change(uri('hardware.kas'), hw.text.replace('node Box', 'node Crate'));
    const ds = (await waitMain) as { code: string; message: string }[];
    expect(ds[0]).toMatchObject({ code: 'KAS0204', message: expect.stringContaining('cannot find `Box`') });
    await server.change(uri('hardware.kas'), hw.text);
  });

  it('when typing pauses, the co-design passes run too: the same diagnostics as `kasc check`', async () => {
    const deploy = `${main.text}\ntrain Run {\n  model = DeepSeekV3\n  on = Pod\n  sequence = 4096\n  batch = 64\n}\n`;
    const both: { code: string; range: { start: { line: number } } }[][] = [];
    const second = new Promise<void>((resolve) =>
      server.onDiagnostics((p) => {
        if (p.uri === uri('deploy.kas') && both.push(p.diagnostics as never) === 2) resolve();
      }),
    );
    await server.open(uri('deploy.kas'), deploy);
    await second;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kasc-lsp-'));
    try {
      fs.writeFileSync(path.join(dir, 'deploy.kas'), deploy);
      fs.writeFileSync(path.join(dir, 'hardware.kas'), hw.text);
      const cli = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'kasc.js'), 'check', '--format', 'json', path.join(dir, 'deploy.kas')], { encoding: 'utf8' });
      const expected = (JSON.parse(cli.stdout) as { code: string }[]).map((d) => d.code);
      expect(expected.length).toBeGreaterThan(0);
      expect(both[0]).toEqual([]);
      expect(both[1]!.map((d) => d.code)).toEqual(expected);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('formats a document as `kasc fmt` does', async () => {
    const messy = 'model X{vocab=1000   // size\nhidden=8}\n';
    await server.open(uri('messy.kas'), messy);
    const edits = await server.request<TextEdit[]>('textDocument/formatting', { textDocument: { uri: uri('messy.kas') }, options: { tabSize: 2, insertSpaces: true } });
    expect(edits).toHaveLength(1);
    expect(edits[0]!.newText).toContain('// size');
    expect(edits[0]!.newText).toMatch(/^model X \{\n {2}vocab = 1000/);
  });
});
