/**
 * Document symbols: constants and declarations, each with its nested blocks and fields (a field whose
 * value is an option with settings, `attention = mla { … }`, holds those settings), for the outline.
 */
import { SymbolKind, type DocumentSymbol } from 'vscode-languageserver/node.js';
import type * as A from '../syntax/ast.js';
import type { DeclarationKeyword } from '../syntax/tokens.js';
import type { LineIndex } from './position.js';
import type { DocumentAnalysis } from './workspace.js';

const DECLARATION_SYMBOL: Record<DeclarationKeyword, SymbolKind> = {
  model: SymbolKind.Class,
  gpu: SymbolKind.Struct,
  node: SymbolKind.Struct,
  cluster: SymbolKind.Struct,
  train: SymbolKind.Event,
  serve: SymbolKind.Event,
  search: SymbolKind.Function,
};

export function documentSymbols(analysis: DocumentAnalysis): DocumentSymbol[] {
  const ast = analysis.file?.ast;
  if (!ast) return [];
  const lines = analysis.lines;
  const items: { start: number; symbol: DocumentSymbol }[] = [
    ...ast.consts.map((c) => ({ start: c.span.start, symbol: symbol(lines, c.name.name, 'const', SymbolKind.Constant, c.span, c.name.span) })),
    ...ast.blocks.map((b) => ({ start: b.span.start, symbol: symbol(lines, b.name.name, b.keyword, DECLARATION_SYMBOL[b.keyword], b.span, b.name.span, members(lines, b.body)) })),
  ];
  return items.sort((a, b) => a.start - b.start).map((i) => i.symbol);
}

function members(lines: LineIndex, body: A.Body): DocumentSymbol[] {
  return body.members
    .filter((m) => m.name.name !== '' && m.span.end > m.span.start)
    .map((m) => {
      if (m.kind === 'SubBlock') {
        const detail = m.selector ? `${m.selector.name.name}[…]` : 'block';
        return symbol(lines, m.name.name, detail, SymbolKind.Namespace, m.span, m.name.span, members(lines, m.body));
      }
      const v = m.value.kind === 'Count' ? m.value.item : m.value;
      if (v.kind === 'Variant') return symbol(lines, m.name.name, v.name.name, SymbolKind.Object, m.span, m.name.span, members(lines, v.body));
      return symbol(lines, m.name.name, valueDetail(lines.text, m.value), SymbolKind.Field, m.span, m.name.span);
    });
}

function valueDetail(text: string, e: A.Expr): string {
  const s = text.slice(e.span.start, e.span.end).replace(/\s+/g, ' ');
  return s.length > 40 ? s.slice(0, 39) + '…' : s;
}

function symbol(lines: LineIndex, name: string, detail: string, kind: SymbolKind, span: A.Ident['span'], nameSpan: A.Ident['span'], children?: DocumentSymbol[]): DocumentSymbol {
  const range = lines.spanRange(span);
  // Recovery after a syntax error can leave a name outside its node; the protocol wants it inside.
  const selectionRange = nameSpan.start >= span.start && nameSpan.end <= span.end ? lines.spanRange(nameSpan) : range;
  return { name: name || '(unnamed)', detail, kind, range, selectionRange, ...(children?.length ? { children } : {}) };
}
