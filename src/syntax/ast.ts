/** The abstract syntax tree: what a .kas file says, with a span on every node. */
import type { Span } from '../diagnostics/diagnostic.js';
import type { DeclarationKeyword } from './tokens.js';

export interface Ident {
  readonly name: string;
  readonly span: Span;
}

export interface KasFile {
  readonly kind: 'File';
  readonly span: Span;
  readonly imports: readonly ImportDecl[];
  readonly consts: readonly ConstDecl[];
  readonly blocks: readonly BlockDecl[];
  /** Comments in source order, kept for the formatter and hover docs. */
  readonly comments: readonly Comment[];
}

export interface Comment {
  readonly text: string;
  readonly span: Span;
}

export interface ImportDecl {
  readonly kind: 'Import';
  readonly path: string;
  readonly pathSpan: Span;
  readonly span: Span;
}

export interface ConstDecl {
  readonly kind: 'Const';
  readonly name: Ident;
  readonly value: Expr;
  readonly span: Span;
}

export interface BlockDecl {
  readonly kind: 'Block';
  readonly keyword: DeclarationKeyword;
  readonly keywordSpan: Span;
  readonly name: Ident;
  readonly body: Body;
  readonly span: Span;
}

export interface Body {
  readonly members: readonly Member[];
  readonly span: Span;
}

export type Member = Field | SubBlock;

/** `name = value` */
export interface Field {
  readonly kind: 'Field';
  readonly name: Ident;
  readonly value: Expr;
  readonly span: Span;
}

/** `name { … }` or `name selector[range] { … }` (`moe layers[3..] { … }`) */
export interface SubBlock {
  readonly kind: 'SubBlock';
  readonly name: Ident;
  readonly selector?: { readonly name: Ident; readonly range: RangeExpr; readonly span: Span };
  readonly body: Body;
  readonly span: Span;
}

export type Expr =
  | NumberExpr
  | ShapeExpr
  | StringExpr
  | BoolExpr
  | RefExpr
  | VariantExpr
  | BinaryExpr
  | UnaryExpr
  | CountExpr
  | ChooseExpr
  | ListExpr
  | RangeExpr
  | MissingExpr;

/** `80 GB`: the number as written and its unit, if any. */
export interface NumberExpr {
  readonly kind: 'Number';
  readonly value: number;
  readonly text: string;
  readonly unit?: Ident;
  readonly span: Span;
}

/** `1x128`: a tile shape. */
export interface ShapeExpr {
  readonly kind: 'Shape';
  readonly rows: number;
  readonly cols: number;
  readonly span: Span;
}

export interface StringExpr {
  readonly kind: 'String';
  readonly value: string;
  readonly span: Span;
}

export interface BoolExpr {
  readonly kind: 'Bool';
  readonly value: boolean;
  readonly span: Span;
}

/** `hidden`, `DeepSeekV3.hidden`, `sigmoid`: a name whose meaning the checker decides. */
export interface RefExpr {
  readonly kind: 'Ref';
  readonly path: readonly Ident[];
  readonly span: Span;
}

/** `mla { heads = 128 … }`: a named choice with settings. */
export interface VariantExpr {
  readonly kind: 'Variant';
  readonly name: Ident;
  readonly body: Body;
  readonly span: Span;
}

export interface BinaryExpr {
  readonly kind: 'Binary';
  readonly op: '+' | '-' | '*' | '/';
  readonly left: Expr;
  readonly right: Expr;
  readonly span: Span;
}

export interface UnaryExpr {
  readonly kind: 'Unary';
  readonly op: '-';
  readonly operand: Expr;
  readonly span: Span;
}

/** `8 x H800`: a count of things. */
export interface CountExpr {
  readonly kind: 'Count';
  readonly count: Expr;
  readonly item: Expr;
  readonly span: Span;
}

/** `8 choose 4` */
export interface ChooseExpr {
  readonly kind: 'Choose';
  readonly of: Expr;
  readonly choose: Expr;
  readonly span: Span;
}

export interface ListExpr {
  readonly kind: 'List';
  readonly items: readonly Expr[];
  readonly span: Span;
}

/** `3..`, `0..61 step 2`: half-open, as in Rust. */
export interface RangeExpr {
  readonly kind: 'Range';
  readonly start?: Expr;
  readonly end?: Expr;
  readonly step?: Expr;
  readonly span: Span;
}

/** Left where the parser recovered from an error; checks skip it (the parse error was reported). */
export interface MissingExpr {
  readonly kind: 'Missing';
  readonly span: Span;
}
