/** Source text → tokens and comments, with a diagnostic for every character the language does not use. */
import type { IToken } from 'chevrotain';
import { Lexer } from './chevrotain.js';
import { ALL_TOKENS, Slash, Star } from './tokens.js';
import type { DiagnosticSink } from '../diagnostics/diagnostic.js';
import { report } from '../diagnostics/codes.js';

const lexer = new Lexer(ALL_TOKENS, { positionTracking: 'onlyOffset', ensureOptimizations: true });

export interface LexResult {
  readonly tokens: IToken[];
  readonly comments: IToken[];
  /**
   * Offsets where the lexer reported a problem. The parser says nothing about the token right after
   * one: that error would only repeat this one ("expected `=`, found `80`" after `memory: 80`).
   */
  readonly problems: readonly number[];
}

/** Help for characters people write out of habit from other languages. */
const CHARACTER_HELP: Record<string, string> = {
  '#': 'comments start with `//`',
  ':': 'fields are written with `=`, not `:`',
  ';': 'fields need no separator: put them on separate lines, or separate them with spaces',
};

export function lex(text: string, file: string, sink: DiagnosticSink): LexResult {
  const result = lexer.tokenize(text);
  let tokens = result.tokens;
  let errors = result.errors;
  let comments = (result.groups['comments'] as IToken[] | undefined) ?? [];
  // Offset-only tracking leaves endOffset unset; the parser's node locations need it.
  for (const t of tokens) t.endOffset = t.startOffset + t.image.length - 1;
  const problems: number[] = [];

  // A `/*` that is never closed does not match the block-comment token, so it lexes as `/` `*`;
  // everything after it is the comment.
  const open = tokens.findIndex((t, i) => t.tokenType === Slash && tokens[i + 1]?.tokenType === Star && tokens[i + 1]!.startOffset === t.startOffset + 1);
  if (open >= 0) {
    const at = tokens[open]!.startOffset;
    tokens = tokens.slice(0, open);
    errors = errors.filter((e) => e.offset < at);
    comments = comments.filter((c) => c.startOffset < at);
    report(sink, 'unterminatedComment', {}, { file, start: at, end: at + 2 }, { help: 'close it with `*/`' });
    problems.push(at);
  }

  for (const e of errors) {
    const span = { file, start: e.offset, end: e.offset + e.length };
    const bad = text.slice(e.offset, e.offset + e.length);
    problems.push(e.offset);
    if (bad.startsWith('"')) {
      report(sink, 'unterminatedString', {}, { file, start: e.offset, end: e.offset + 1 }, { help: 'close the string with `"` on the same line' });
      // The rest of the line is the string's text, not tokens.
      const lineEnd = text.slice(e.offset).search(/[\r\n]|$/) + e.offset;
      tokens = tokens.filter((t) => t.startOffset < e.offset || t.startOffset >= lineEnd);
    } else {
      report(sink, 'unexpectedCharacter', { text: bad.length > 12 ? bad.slice(0, 12) + '…' : bad }, span, {
        help: CHARACTER_HELP[bad[0]!],
      });
    }
  }
  return { tokens, comments, problems };
}
