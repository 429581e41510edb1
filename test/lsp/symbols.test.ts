import { describe, expect, it } from 'vitest';
import { SymbolKind, type DocumentSymbol } from 'vscode-languageserver/node.js';
import { documentSymbols } from '../../src/lsp/symbols.js';
import { open } from './fixture.js';

/** A symbol tree as `name (detail)` lines, indented by depth. */
function outline(symbols: DocumentSymbol[], depth = 0): string[] {
  return symbols.flatMap((s) => [`${'  '.repeat(depth)}${s.name} (${s.detail})`, ...outline(s.children ?? [], depth + 1)]);
}

describe('document symbols', () => {
  it('declarations with their nested blocks, options with settings, and fields', () => {
    const { analysis } = open({
      'sym.kas': `const W = 4
model M {
  hidden = 1024
  attention = mla { heads = 8  kv_lora_rank = 64 }
  moe layers[1..] { routed = 8 }
}
train T { model = M  parallel { pipeline = 2 } }
`,
    });
    const symbols = documentSymbols(analysis);
    expect(outline(symbols)).toEqual([
      'W (const)',
      'M (model)',
      '  hidden (1024)',
      '  attention (mla)',
      '    heads (8)',
      '    kv_lora_rank (64)',
      '  moe (layers[…])',
      '    routed (8)',
      'T (train)',
      '  model (M)',
      '  parallel (block)',
      '    pipeline (2)',
    ]);
    expect(symbols.map((s) => s.kind)).toEqual([SymbolKind.Constant, SymbolKind.Class, SymbolKind.Event]);
    expect(symbols[1]!.range).toEqual({ start: { line: 1, character: 0 }, end: { line: 5, character: 1 } });
    expect(symbols[1]!.selectionRange).toEqual({ start: { line: 1, character: 6 }, end: { line: 1, character: 7 } });
  });

  it('a file that does not parse still gives the declarations it has', () => {
    const { analysis } = open({ 'bad.kas': 'model A { hidden = }\ngpu B { memory = 80 GB }\n' });
    expect(documentSymbols(analysis).map((s) => s.name)).toEqual(['A', 'B']);
  });
});
