/**
 * The formatter: source text → the same file in the canonical layout (docs/language.md, "Formatting").
 *
 * It prints the token stream, not the AST, so that every comment and every token (numbers as written,
 * parentheses) survive as they are; the concrete syntax tree only says where lines break and how deep
 * they are indented. Each gap between two tokens gets one kind — glue, one space, two spaces (between
 * fields of a one-line body) or a line break at an indent — and the comments found in the gap are laid
 * out around it. The result is checked by parsing it again: if it does not mean exactly what the input
 * meant (same AST, same comments), the input is returned unchanged with an internal-error diagnostic,
 * so a formatter bug can never change a file.
 *
 * Pure: no file system, no globals beyond the shared parser instance. Used by `kasc fmt` and by the
 * language server's formatting request.
 */
import type { CstNode, IToken } from 'chevrotain';
import { DiagnosticSink, type Diagnostic } from '../diagnostics/diagnostic.js';
import { diagnostic } from '../diagnostics/codes.js';
import { lex } from '../syntax/lexer.js';
import { parseTokens } from '../syntax/parser.js';
import { parseSource } from '../syntax/parse.js';
import type { KasFile } from '../syntax/ast.js';
import * as T from '../syntax/tokens.js';

export interface FormatResult {
  /** The formatted text; the input itself when it has syntax errors. */
  readonly text: string;
  /** Syntax errors (the file is then left as it is), or an internal error. */
  readonly diagnostics: Diagnostic[];
  /** Whether `text` differs from the input. */
  readonly changed: boolean;
}

/** One indentation level. */
export const INDENT = '  ';

/**
 * Formats one file's text. `file` is only the name diagnostics carry. Files with syntax errors are
 * returned unchanged, with the errors.
 */
export function formatSource(text: string, file: string): FormatResult {
  const sink = new DiagnosticSink();
  const before = parseSource(text, file, sink);
  if (sink.hasErrors) return { text, diagnostics: sink.items, changed: false };
  const { tokens, comments } = lex(text, file, new DiagnosticSink());
  const { cst, errors } = parseTokens(tokens);
  if (errors.length) {
    // parseSource reported nothing, yet the parser failed: never print from a recovered tree.
    const d = diagnostic('internalError', { detail: 'the formatter found a syntax error the parser did not report' }, { file, start: 0, end: 0 });
    return { text, diagnostics: [d], changed: false };
  }
  const out = new Printer(text, tokens, comments, cst).print();
  const problem = sameMeaning(before, out, file);
  if (problem) {
    const d = diagnostic('internalError', { detail: `the formatter would change what the file means (${problem}); the file was left as it is` }, { file, start: 0, end: 0 });
    return { text, diagnostics: [d], changed: false };
  }
  return { text: out, diagnostics: sink.items, changed: out !== text };
}

/** Why `formatted` does not say what `before` says, or undefined when it does. */
function sameMeaning(before: KasFile, formatted: string, file: string): string | undefined {
  const sink = new DiagnosticSink();
  const after = parseSource(formatted, file, sink);
  if (sink.hasErrors) return 'its output does not parse';
  if (astKey(before) !== astKey(after)) return 'its output parses to a different tree';
  if (commentsKey(before) !== commentsKey(after)) return 'its output has different comments';
  return undefined;
}

/** The AST without source positions, as a string: two files mean the same when their keys are equal. */
export function astKey(f: KasFile): string {
  const { comments: _comments, ...rest } = f;
  return JSON.stringify(rest, (key, value: unknown) => (key === 'span' || key === 'pathSpan' || key === 'keywordSpan' ? undefined : value));
}

/** The comments' texts as the formatter keeps them: line breaks as `\n`, no trailing spaces on line comments. */
export function commentsKey(f: KasFile): string {
  return JSON.stringify(f.comments.map((c) => normalizeComment(c.text)));
}

function normalizeComment(text: string): string {
  return text.startsWith('//') ? text.trimEnd() : text.replace(/\r\n?/g, '\n');
}

// ── layout ──────────────────────────────────────────────────────────────────

interface BodyInfo {
  readonly open: number;
  readonly close: number;
  /** Printed over several lines (one member per line) rather than on the line of its `{`. */
  readonly expanded: boolean;
}

/** How the space between two tokens is printed. */
type Gap =
  | { readonly k: 'glue' }
  | { readonly k: 'space' }
  /** Between the members of a one-line body: `{ bandwidth = 200 GB/s  achievable = 160 GB/s }`. */
  | { readonly k: 'double' }
  | {
      readonly k: 'line';
      /** Indent of the next token. */
      readonly indent: number;
      /** Indent of comments on their own lines in this gap (deeper than the token before a `}`). */
      readonly commentIndent: number;
      /** Whether a blank line may precede the first thing in the gap (not right after `{` or at the top of the file). */
      readonly blankFirst: boolean;
      /** Whether a blank line may precede the next token (not before a `}`). */
      readonly blankToken: boolean;
      /** `{` directly followed by its `}`: `{}` when no comment lies between. */
      readonly emptyBody?: boolean;
    };

const GLUE: Gap = { k: 'glue' };
const SPACE: Gap = { k: 'space' };
const DOUBLE: Gap = { k: 'double' };

type Children = Record<string, (CstNode | IToken)[] | undefined>;

const isToken = (x: CstNode | IToken): x is IToken => (x as IToken).image !== undefined;

class Printer {
  /** Bodies by the offset of their `{` and of their `}`. */
  private readonly opens = new Map<number, BodyInfo>();
  private readonly closes = new Map<number, BodyInfo>();
  /** Offsets of the first token of each member, with the body it is in. */
  private readonly members = new Map<number, BodyInfo>();
  /** Offsets of the first token of each top-level declaration. */
  private readonly items = new Set<number>();
  /** Offsets of the prefix `-` tokens (glued to their operand). */
  private readonly unary = new Set<number>();
  /** Offsets of the `[` of layer selectors (glued to the selector name: `layers[3..]`). */
  private readonly selectorBrackets = new Set<number>();

  private readonly lines: string[] = [];
  private cur = '';
  private started = false;
  /** Expanded bodies open at the current token. */
  private depth = 0;
  private nextComment = 0;

  constructor(
    private readonly text: string,
    private readonly tokens: readonly IToken[],
    private readonly comments: readonly IToken[],
    cst: CstNode,
  ) {
    this.visit(cst, false);
  }

  /** Collects the layout facts from the concrete syntax tree. */
  private visit(node: CstNode, declarationBody: boolean): void {
    const c = node.children as Children;
    switch (node.name) {
      case 'file':
        for (const key of ['importDecl', 'constDecl', 'blockDecl']) for (const n of (c[key] ?? []) as CstNode[]) this.items.add(n.location!.startOffset);
        break;
      case 'body': {
        const open = (c['LCurly'] as IToken[])[0]!.startOffset;
        const close = (c['RCurly'] as IToken[])[0]!.startOffset;
        const info: BodyInfo = { open, close, expanded: declarationBody || this.text.slice(open, close).includes('\n') || this.comments.some((t) => t.startOffset > open && t.startOffset < close) };
        this.opens.set(open, info);
        this.closes.set(close, info);
        for (const m of (c['member'] ?? []) as CstNode[]) this.members.set(m.location!.startOffset, info);
        break;
      }
      case 'selector':
        for (const t of (c['LBracket'] ?? []) as IToken[]) this.selectorBrackets.add(t.startOffset);
        break;
      case 'operand':
        for (const t of (c['Minus'] ?? []) as IToken[]) this.unary.add(t.startOffset);
        break;
    }
    for (const list of Object.values(c)) {
      for (const child of list ?? []) if (!isToken(child)) this.visit(child, node.name === 'blockDecl');
    }
  }

  print(): string {
    const toks = this.tokens;
    for (let i = 0; i <= toks.length; i++) {
      const a = toks[i - 1];
      const b = toks[i];
      const from = a ? a.startOffset + a.image.length : 0;
      const to = b ? b.startOffset : this.text.length;
      if (a && this.opens.get(a.startOffset)?.expanded) this.depth++;
      if (b && this.closes.get(b.startOffset)?.expanded) this.depth--;
      this.gap(this.gapKind(a, b), from, to, a === undefined, b === undefined);
      if (b) this.write(b.image);
    }
    if (!this.started) return '';
    this.lines.push(this.cur.trimEnd());
    return this.lines.join('\n') + '\n';
  }

  private gapKind(a: IToken | undefined, b: IToken | undefined): Gap {
    const d = this.depth;
    const line = (indent: number, commentIndent = indent, blankFirst = true, blankToken = true, emptyBody = false): Gap => ({ k: 'line', indent, commentIndent, blankFirst, blankToken, emptyBody });
    if (!a) return line(0, 0, false);
    if (!b) return line(0);
    if (this.items.has(b.startOffset)) return line(0);
    const opened = this.opens.get(a.startOffset);
    const closed = this.closes.get(b.startOffset);
    if (opened && closed === opened) return opened.expanded ? line(d, d + 1, false, false, true) : GLUE;
    if (opened) return opened.expanded ? line(d, d, false) : SPACE;
    if (closed) return closed.expanded ? line(d, d + 1, true, false) : SPACE;
    const member = this.members.get(b.startOffset);
    if (member) return member.expanded ? line(d) : DOUBLE;
    return this.pair(a, b);
  }

  /** Spacing inside one member: `a = b`, `8 x H800`, `80 GB`, `layers[1.. step 2]`, `[a, b]`, `-x`, `a.b`, `(x)`. */
  private pair(a: IToken, b: IToken): Gap {
    const ta = a.tokenType;
    const tb = b.tokenType;
    // `80 GB`, `3.35 TB/s`, but `80%`.
    if (tb === T.Unit) return b.image === '%' ? GLUE : SPACE;
    if (ta === T.LParen || ta === T.LBracket || ta === T.Dot) return GLUE;
    if (ta === T.Minus && this.unary.has(a.startOffset)) return GLUE;
    if (tb === T.RParen || tb === T.RBracket || tb === T.Comma || tb === T.Dot || tb === T.DotDot) return GLUE;
    if (ta === T.DotDot) return tb === T.Step ? SPACE : GLUE;
    if (tb === T.LBracket && this.selectorBrackets.has(b.startOffset)) return GLUE;
    return SPACE;
  }

  /** Prints the gap from source offset `from` to `to`: its comments, then the separator its kind asks for. */
  private gap(kind: Gap, from: number, to: number, atStart: boolean, atEnd: boolean): void {
    const inGap = this.commentsBetween(from, to);
    const cont = this.depth + 1;
    if (kind.k === 'line' && kind.emptyBody && inGap.length === 0) return;
    let prevEnd = from;
    let first = true;
    let lastWasLine = false;
    for (const c of inGap) {
      const breaks = this.newlines(prevEnd, c.startOffset);
      const ownLine = breaks > 0 || (atStart && first);
      const text = normalizeComment(c.image);
      if (!ownLine) {
        // A comment that ends its line keeps its column (aligned comments stay aligned), at least one space after the code.
        const endsLine = text.startsWith('//') || kind.k === 'line';
        if (endsLine) this.padTo(Math.max(this.column(c.startOffset), this.curColumn() + 1));
        else this.write(' ');
      } else if (kind.k === 'line') {
        this.breakLine(kind.commentIndent, breaks > 1 && (first ? kind.blankFirst : true));
      } else {
        this.breakLine(cont, false);
      }
      this.write(text);
      lastWasLine = text.startsWith('//');
      prevEnd = c.startOffset + c.image.length;
      first = false;
    }
    if (atEnd) return;
    switch (kind.k) {
      case 'line': {
        const blank = this.newlines(prevEnd, to) > 1 && kind.blankToken && (first ? kind.blankFirst : true);
        this.breakLine(kind.indent, blank);
        return;
      }
      case 'glue':
      case 'space':
      case 'double':
        if (lastWasLine) this.breakLine(cont, false);
        else if (inGap.length) this.write(' ');
        else this.write(kind.k === 'glue' ? '' : kind.k === 'space' ? ' ' : '  ');
    }
  }

  /** The comments in [from, to); gaps are printed in order, so one cursor walks the sorted comments once. */
  private commentsBetween(from: number, to: number): IToken[] {
    const out: IToken[] = [];
    while (this.nextComment < this.comments.length && this.comments[this.nextComment]!.startOffset < to) {
      const c = this.comments[this.nextComment++]!;
      if (c.startOffset >= from) out.push(c);
    }
    return out;
  }

  private newlines(from: number, to: number): number {
    let n = 0;
    for (let i = from; i < to; i++) if (this.text.charCodeAt(i) === 10) n++;
    return n;
  }

  /** The column of a source offset, counted in characters from the start of its line. */
  private column(offset: number): number {
    const lineStart = this.text.lastIndexOf('\n', offset - 1) + 1;
    return offset - lineStart;
  }

  /** The column the next character goes to (a block comment may have put line breaks into `cur`). */
  private curColumn(): number {
    return this.cur.length - (this.cur.lastIndexOf('\n') + 1);
  }

  private padTo(column: number): void {
    this.cur += ' '.repeat(Math.max(0, column - this.curColumn()));
  }

  private write(s: string): void {
    this.cur += s;
    this.started = true;
  }

  private breakLine(indent: number, blank: boolean): void {
    if (!this.started) {
      this.cur = INDENT.repeat(indent);
      return;
    }
    this.lines.push(this.cur.trimEnd());
    if (blank) this.lines.push('');
    this.cur = INDENT.repeat(indent);
  }
}
