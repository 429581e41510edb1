/** Source text → tokens and comments, with a diagnostic for every character the language does not use. */
import { Lexer, type IToken } from 'chevrotain';
import { ALL_TOKENS } from './tokens.js';
import type { DiagnosticSink } from '../diagnostics/diagnostic.js';
import { report } from '../diagnostics/codes.js';

const lexer = new Lexer(ALL_TOKENS, { positionTracking: 'onlyOffset', ensureOptimizations: false });

export interface LexResult {
  readonly tokens: IToken[];
  readonly comments: IToken[];
}

export function lex(text: string, file: string, sink: DiagnosticSink): LexResult {
  const result = lexer.tokenize(text);
  // Offset-only tracking leaves endOffset unset; the parser's node locations need it.
  for (const t of result.tokens) t.endOffset = t.startOffset + t.image.length - 1;
  for (const e of result.errors) {
    const span = { file, start: e.offset, end: e.offset + e.length };
    const bad = text.slice(e.offset, e.offset + e.length);
    if (bad.startsWith('/*')) {
      report(sink, 'unterminatedComment', {}, { file, start: e.offset, end: e.offset + 2 }, { help: 'close it with `*/`' });
    } else if (bad.startsWith('"')) {
      report(sink, 'unterminatedString', {}, { file, start: e.offset, end: e.offset + 1 }, { help: 'close the string with `"` on the same line' });
    } else {
      report(sink, 'unexpectedCharacter', { text: bad.length > 12 ? bad.slice(0, 12) + '…' : bad }, span, {
        help: bad.startsWith('#') ? 'comments start with `//`' : undefined,
      });
    }
  }
  return { tokens: result.tokens, comments: (result.groups['comments'] as IToken[] | undefined) ?? [] };
}
