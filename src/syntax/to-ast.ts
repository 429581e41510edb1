/**
 * CST → AST. Pure shape-changing: each node gets its span; nothing here decides what a name means.
 * The CST may be partial after error recovery, so every child is optional here.
 */
import type { CstNode, IToken } from 'chevrotain';
import type * as A from './ast.js';
import type { Span } from '../diagnostics/diagnostic.js';
import { DECLARATION_TOKENS, type DeclarationKeyword } from './tokens.js';

type Children = Record<string, (CstNode | IToken)[] | undefined>;

const NO_TOKENS: IToken[] = [];

export function cstToAst(cst: CstNode, comments: readonly IToken[], file: string, textLength: number): A.KasFile {
  const b = new AstBuilder(file);
  return b.file(cst, comments, textLength);
}

class AstBuilder {
  constructor(private readonly fileId: string) {}

  private tokenSpan(t: IToken): Span {
    return { file: this.fileId, start: t.startOffset, end: t.startOffset + t.image.length };
  }

  /** Whether recovery left a node without a position (it then matched no token at all). */
  private located(n: CstNode | undefined): n is CstNode {
    return n !== undefined && n.location !== undefined && !Number.isNaN(n.location.startOffset);
  }

  private nodeSpan(n: CstNode): Span {
    const loc = n.location;
    if (!loc || Number.isNaN(loc.startOffset)) return { file: this.fileId, start: 0, end: 0 };
    const end = loc.endOffset === undefined || Number.isNaN(loc.endOffset) ? loc.startOffset : loc.endOffset + 1;
    return { file: this.fileId, start: loc.startOffset, end };
  }

  private ident(t: IToken): A.Ident {
    return { name: t.image, span: this.tokenSpan(t) };
  }

  private nodes(c: Children, key: string): CstNode[] {
    return (c[key] as CstNode[] | undefined) ?? [];
  }

  /** Tokens under a key, without the ones recovery inserted (they have no position); allocation-free when none were. */
  private tokens(c: Children, key: string): IToken[] {
    const all = c[key] as IToken[] | undefined;
    if (!all) return NO_TOKENS;
    for (const t of all) if (Number.isNaN(t.startOffset) || t.image === undefined) return all.filter((x) => !Number.isNaN(x.startOffset) && x.image !== undefined);
    return all;
  }

  file(cst: CstNode, comments: readonly IToken[], textLength: number): A.KasFile {
    const c = cst.children as Children;
    const imports: A.ImportDecl[] = [];
    const consts: A.ConstDecl[] = [];
    const blocks: A.BlockDecl[] = [];
    for (const n of this.nodes(c, 'importDecl')) {
      const s = this.tokens(n.children as Children, 'StringLiteral')[0];
      if (!s) continue;
      imports.push({ kind: 'Import', path: unquote(s.image), pathSpan: this.tokenSpan(s), span: this.nodeSpan(n) });
    }
    for (const n of this.nodes(c, 'constDecl')) {
      const cc = n.children as Children;
      const name = this.tokens(cc, 'Identifier')[0];
      const value = this.nodes(cc, 'value')[0];
      if (!name) continue;
      consts.push({ kind: 'Const', name: this.ident(name), value: value ? this.value(value) : this.missing(this.nodeSpan(n)), span: this.nodeSpan(n) });
    }
    for (const n of this.nodes(c, 'blockDecl')) {
      const block = this.blockDecl(n);
      if (block) blocks.push(block);
    }
    return {
      kind: 'File',
      span: { file: this.fileId, start: 0, end: textLength },
      imports: imports.sort((a, b) => a.span.start - b.span.start),
      consts: consts.sort((a, b) => a.span.start - b.span.start),
      blocks: blocks.sort((a, b) => a.span.start - b.span.start),
      comments: comments.map((t) => ({ text: t.image, span: this.tokenSpan(t) })),
    };
  }

  private blockDecl(n: CstNode): A.BlockDecl | undefined {
    const c = n.children as Children;
    const kwKey = Object.values(DECLARATION_TOKENS).map((t) => t.name).find((k) => this.tokens(c, k).length);
    const name = this.tokens(c, 'Identifier')[0];
    const body = this.nodes(c, 'body')[0];
    if (!kwKey || !name) return undefined;
    const kw = this.tokens(c, kwKey)[0]!;
    return {
      kind: 'Block',
      keyword: kw.image as DeclarationKeyword,
      keywordSpan: this.tokenSpan(kw),
      name: this.ident(name),
      body: body ? this.body(body) : { members: [], span: this.tokenSpan(name) },
      span: this.nodeSpan(n),
    };
  }

  private body(n: CstNode): A.Body {
    const members: A.Member[] = [];
    for (const m of this.nodes(n.children as Children, 'member')) {
      const member = this.member(m);
      if (member) members.push(member);
    }
    return { members, span: this.nodeSpan(n) };
  }

  private member(n: CstNode): A.Member | undefined {
    const c = n.children as Children;
    const nameTok = this.tokens(c, 'Name')[0];
    if (!nameTok) return undefined;
    const name = this.ident(nameTok);
    const span = this.nodeSpan(n);
    if (this.tokens(c, 'Equals').length) {
      const first = this.nodes(c, 'expression')[0];
      const valueSpan = first ? { file: this.fileId, start: this.nodeSpan(first).start, end: span.end } : { ...span, start: span.end };
      return { kind: 'Field', name, value: this.valueOf(c, valueSpan), span };
    }
    const bodyNode = this.nodes(c, 'body')[0];
    if (!bodyNode) return undefined;
    const sel = this.nodes(c, 'selector')[0];
    let selector: A.SubBlock['selector'];
    if (sel) {
      const sc = sel.children as Children;
      const selName = this.tokens(sc, 'Name')[0];
      const range = this.nodes(sc, 'range')[0];
      if (selName && range) selector = { name: this.ident(selName), range: this.range(range), span: this.nodeSpan(sel) };
    }
    return { kind: 'SubBlock', name, ...(selector ? { selector } : {}), body: this.body(bodyNode), span };
  }

  private range(n: CstNode): A.RangeExpr {
    const c = n.children as Children;
    const exprs = this.nodes(c, 'expression');
    const dots = this.tokens(c, 'DotDot')[0];
    const step = this.tokens(c, 'Step')[0];
    const dotsAt = dots?.startOffset ?? -1;
    let start: A.Expr | undefined;
    let end: A.Expr | undefined;
    let stepExpr: A.Expr | undefined;
    for (const e of exprs) {
      const at = this.nodeSpan(e).start;
      if (at < dotsAt) start = this.expression(e);
      else if (step && at > step.startOffset) stepExpr = this.expression(e);
      else end = this.expression(e);
    }
    return { kind: 'Range', ...(start ? { start } : {}), ...(end ? { end } : {}), ...(stepExpr ? { step: stepExpr } : {}), span: this.nodeSpan(n) };
  }

  private value(n: CstNode): A.Expr {
    return this.valueOf(n.children as Children, this.nodeSpan(n));
  }

  /** An expression and an optional `x item` / `choose k` tail, from a `value` or a field's children. */
  private valueOf(c: Children, span: Span): A.Expr {
    const exprs = this.nodes(c, 'expression');
    const first = exprs[0] ? this.expression(exprs[0]) : this.missing(span);
    const tail = this.nodes(c, 'countOrChoose')[0];
    if (!tail) return first;
    const tc = tail.children as Children;
    const second = this.nodes(tc, 'expression')[0];
    const rest = this.located(second) ? this.expression(second) : this.missing({ ...span, start: span.end });
    if (this.tokens(tc, 'X').length) return { kind: 'Count', count: first, item: rest, span };
    return { kind: 'Choose', of: first, choose: rest, span };
  }

  /**
   * The parser reads `a + b * c` flat (operands and operators in offset order); precedence is applied
   * here: `*` and `/` bind tighter than `+` and `-`, each left to right.
   */
  private expression(n: CstNode): A.Expr {
    const c = n.children as Children;
    const operands = this.nodes(c, 'operand');
    if (operands.length === 0) return this.missing(this.nodeSpan(n));
    if (operands.length === 1) return this.operand(operands[0]!);
    const ops = this.tokens(c, 'BinaryOperator');
    const binary = (op: A.BinaryExpr['op'], left: A.Expr, right: A.Expr): A.Expr => ({
      kind: 'Binary',
      op,
      left,
      right,
      span: { file: this.fileId, start: left.span.start, end: Math.max(left.span.end, right.span.end) },
    });
    // First fold the multiplicative runs into terms, then the terms left to right.
    const terms: A.Expr[] = [this.operand(operands[0]!)];
    const additive: A.BinaryExpr['op'][] = [];
    for (let i = 1; i < operands.length; i++) {
      const opTok = ops[i - 1];
      const op = (opTok?.image ?? '+') as A.BinaryExpr['op'];
      // After recovery an operand may have matched nothing: it is missing, just after its operator.
      const after = opTok ? opTok.startOffset + opTok.image.length : terms[terms.length - 1]!.span.end;
      const right = this.located(operands[i]) ? this.operand(operands[i]!) : this.missing({ file: this.fileId, start: after, end: after });
      if (op === '*' || op === '/') terms[terms.length - 1] = binary(op, terms[terms.length - 1]!, right);
      else {
        additive.push(op);
        terms.push(right);
      }
    }
    let left = terms[0]!;
    for (let i = 1; i < terms.length; i++) left = binary(additive[i - 1]!, left, terms[i]!);
    return left;
  }

  /** Prefix minuses around a literal, a parenthesized expression, a list, a reference or a variant. */
  private operand(n: CstNode): A.Expr {
    const c = n.children as Children;
    const minuses = this.tokens(c, 'Minus');
    let e = this.operandBase(c, n);
    for (let i = minuses.length - 1; i >= 0; i--) {
      e = { kind: 'Unary', op: '-', operand: e, span: { file: this.fileId, start: minuses[i]!.startOffset, end: Math.max(e.span.end, minuses[i]!.startOffset + 1) } };
    }
    return e;
  }

  private operandBase(c: Children, n: CstNode): A.Expr {
    const num = this.tokens(c, 'NumberLiteral')[0];
    if (num) {
      const unit = this.tokens(c, 'Unit')[0];
      const span = { file: this.fileId, start: num.startOffset, end: unit ? unit.startOffset + unit.image.length : num.startOffset + num.image.length };
      return { kind: 'Number', value: Number(num.image.replace(/_/g, '')), text: num.image, ...(unit ? { unit: this.ident(unit) } : {}), span };
    }
    const shape = this.tokens(c, 'ShapeLiteral')[0];
    if (shape) {
      const [rows, cols] = shape.image.split('x').map(Number);
      return { kind: 'Shape', rows: rows!, cols: cols!, span: this.tokenSpan(shape) };
    }
    const str = this.tokens(c, 'StringLiteral')[0];
    if (str) return { kind: 'String', value: unquote(str.image), span: this.tokenSpan(str) };
    const t = this.tokens(c, 'True')[0];
    if (t) return { kind: 'Bool', value: true, span: this.tokenSpan(t) };
    const f = this.tokens(c, 'False')[0];
    if (f) return { kind: 'Bool', value: false, span: this.tokenSpan(f) };
    const paren = this.nodes(c, 'expression')[0];
    if (paren) return this.expression(paren);
    const list = this.nodes(c, 'list')[0];
    if (list) {
      const items = this.nodes(list.children as Children, 'value').map((v) => this.value(v));
      return { kind: 'List', items, span: this.nodeSpan(list) };
    }
    const head = this.tokens(c, 'ReferenceStart')[0];
    if (!head) {
      const span = this.nodeSpan(n);
      const lastMinus = this.tokens(c, 'Minus').at(-1);
      const at = lastMinus ? lastMinus.startOffset + 1 : span.end;
      return this.missing({ file: this.fileId, start: at, end: at });
    }
    const rest = this.tokens(c, 'Name');
    const body = this.nodes(c, 'body')[0];
    if (body && rest.length === 0) {
      const b = this.body(body);
      return { kind: 'Variant', name: this.ident(head), body: b, span: { file: this.fileId, start: head.startOffset, end: Math.max(b.span.end, head.startOffset + head.image.length) } };
    }
    const path = [head, ...rest].map((tok) => this.ident(tok));
    return { kind: 'Ref', path, span: { file: this.fileId, start: path[0]!.span.start, end: path[path.length - 1]!.span.end } };
  }

  private missing(span: Span): A.MissingExpr {
    return { kind: 'Missing', span };
  }
}

function unquote(s: string): string {
  const inner = s.slice(1, -1);
  return inner.replace(/\\(.)/g, (_, ch: string) => (ch === 'n' ? '\n' : ch === 't' ? '\t' : ch));
}
