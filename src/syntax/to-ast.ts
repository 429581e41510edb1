/**
 * CST → AST. Pure shape-changing: each node gets its span; nothing here decides what a name means.
 * The CST may be partial after error recovery, so every child is optional here.
 */
import type { CstNode, IToken } from 'chevrotain';
import type * as A from './ast.js';
import type { Span } from '../diagnostics/diagnostic.js';
import type { DeclarationKeyword } from './tokens.js';

type Children = Record<string, (CstNode | IToken)[] | undefined>;

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

  private tokens(c: Children, key: string): IToken[] {
    return ((c[key] as IToken[] | undefined) ?? []).filter((t) => !Number.isNaN(t.startOffset) && t.image !== undefined);
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
    const kwKey = ['Model', 'Gpu', 'Node', 'Cluster', 'Train', 'Serve'].find((k) => this.tokens(c, k).length);
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
      const v = this.nodes(c, 'value')[0];
      return { kind: 'Field', name, value: v ? this.value(v) : this.missing({ ...span, start: span.end }), span };
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
    const c = n.children as Children;
    const exprs = this.nodes(c, 'expression');
    const span = this.nodeSpan(n);
    const first = exprs[0] ? this.expression(exprs[0]) : this.missing(span);
    const second = () => (this.located(exprs[1]) ? this.expression(exprs[1]) : this.missing({ ...span, start: span.end }));
    if (this.tokens(c, 'X').length) {
      const item = second();
      return { kind: 'Count', count: first, item, span };
    }
    if (this.tokens(c, 'Choose').length) {
      const k = second();
      return { kind: 'Choose', of: first, choose: k, span };
    }
    return first;
  }

  /** Left-associative chains: the CST keeps operands and operators in separate lists, ordered by offset. */
  private chain(n: CstNode, operandKey: string, opKeys: string[], operand: (n: CstNode) => A.Expr): A.Expr {
    const c = n.children as Children;
    const operands = this.nodes(c, operandKey);
    const ops = opKeys.flatMap((k) => this.tokens(c, k)).sort((a, b) => a.startOffset - b.startOffset);
    if (operands.length === 0) return this.missing(this.nodeSpan(n));
    let left = operand(operands[0]!);
    for (let i = 1; i < operands.length; i++) {
      const opTok = ops[i - 1];
      // After recovery an operand may have matched nothing: it is missing, just after its operator.
      const after = opTok ? opTok.startOffset + opTok.image.length : left.span.end;
      const right = this.located(operands[i]) ? operand(operands[i]!) : this.missing({ file: this.fileId, start: after, end: after });
      const op = (opTok?.image ?? '+') as A.BinaryExpr['op'];
      left = { kind: 'Binary', op, left, right, span: { file: this.fileId, start: left.span.start, end: Math.max(left.span.end, right.span.end) } };
    }
    return left;
  }

  private expression(n: CstNode): A.Expr {
    return this.chain(n, 'term', ['Plus', 'Minus'], (t) => this.chain(t, 'unary', ['Star', 'Slash'], (u) => this.unary(u)));
  }

  private unary(n: CstNode): A.Expr {
    const c = n.children as Children;
    const minus = this.tokens(c, 'Minus')[0];
    const inner = this.nodes(c, 'unary')[0];
    if (minus) {
      const operand = inner ? this.unary(inner) : this.missing(this.nodeSpan(n));
      return { kind: 'Unary', op: '-', operand, span: this.nodeSpan(n) };
    }
    const p = this.nodes(c, 'primary')[0];
    return p ? this.primary(p) : this.missing(this.nodeSpan(n));
  }

  private primary(n: CstNode): A.Expr {
    const c = n.children as Children;
    const span = this.nodeSpan(n);
    const num = this.tokens(c, 'NumberLiteral')[0];
    if (num) {
      const unit = this.tokens(c, 'Unit')[0];
      return { kind: 'Number', value: Number(num.image.replace(/_/g, '')), text: num.image, ...(unit ? { unit: this.ident(unit) } : {}), span };
    }
    const shape = this.tokens(c, 'ShapeLiteral')[0];
    if (shape) {
      const [rows, cols] = shape.image.split('x').map(Number);
      return { kind: 'Shape', rows: rows!, cols: cols!, span };
    }
    const str = this.tokens(c, 'StringLiteral')[0];
    if (str) return { kind: 'String', value: unquote(str.image), span };
    if (this.tokens(c, 'True').length) return { kind: 'Bool', value: true, span };
    if (this.tokens(c, 'False').length) return { kind: 'Bool', value: false, span };
    const paren = this.nodes(c, 'expression')[0];
    if (paren) return this.expression(paren);
    const list = this.nodes(c, 'list')[0];
    if (list) {
      const items = this.nodes(list.children as Children, 'value').map((v) => this.value(v));
      return { kind: 'List', items, span };
    }
    const ref = this.nodes(c, 'reference')[0];
    if (ref) return this.reference(ref);
    return this.missing(span);
  }

  private reference(n: CstNode): A.Expr {
    const c = n.children as Children;
    const head = this.tokens(c, 'Identifier')[0];
    const rest = this.tokens(c, 'Name');
    const span = this.nodeSpan(n);
    if (!head) return this.missing(span);
    const body = this.nodes(c, 'body')[0];
    if (body && rest.length === 0) return { kind: 'Variant', name: this.ident(head), body: this.body(body), span };
    const path = [head, ...rest].map((t) => this.ident(t));
    return { kind: 'Ref', path, span: path.length ? { file: this.fileId, start: path[0]!.span.start, end: path[path.length - 1]!.span.end } : span };
  }

  private missing(span: Span): A.MissingExpr {
    return { kind: 'Missing', span };
  }
}

function unquote(s: string): string {
  const inner = s.slice(1, -1);
  return inner.replace(/\\(.)/g, (_, ch: string) => (ch === 'n' ? '\n' : ch === 't' ? '\t' : ch));
}
