/**
 * The one token table. The lexer, the parser, the editor grammar, completion and the docs all read it:
 * add a keyword here and every one of them learns it.
 */
import type { IToken, TokenType, CustomPatternMatcherReturn } from 'chevrotain';
import { createToken, Lexer } from './chevrotain.js';
import { UNITS } from '../semantics/units.js';

/** Top-level declaration keywords, with what each declares (used by docs, hover and completion). */
export const DECLARATION_KEYWORDS = {
  model: 'an LLM architecture',
  gpu: 'an accelerator: memory, bandwidth, peak throughput',
  node: 'a server: its GPUs, scale-up fabric and NICs',
  cluster: 'a set of nodes and the network between them',
  train: 'a training deployment of a model on a cluster',
  serve: 'a serving (inference) deployment of a model on a cluster',
  search: 'an operator search: synthesize tensor operators for an interface under budgets (kernel architecture search)',
} as const;
export type DeclarationKeyword = keyof typeof DECLARATION_KEYWORDS;

/** Any word that may name a field or block: identifiers and keywords alike (`model = X` in `train`). */
export const Name = createToken({ name: 'Name', pattern: Lexer.NA });

/** What may start a reference: a name, or a declaration keyword used as a field name (`model.context`). */
export const ReferenceStart = createToken({ name: 'ReferenceStart', pattern: Lexer.NA });

export const Identifier = createToken({ name: 'Identifier', pattern: /[A-Za-z_][A-Za-z0-9_]*/, categories: [Name, ReferenceStart] });

function keyword(word: string, startsReference = false): TokenType {
  return createToken({
    name: word[0]!.toUpperCase() + word.slice(1),
    pattern: new RegExp(word),
    longer_alt: Identifier,
    categories: startsReference ? [Name, ReferenceStart] : [Name],
  });
}

export const Import = keyword('import');
export const Const = keyword('const');
export const Model = keyword('model', true);
export const Gpu = keyword('gpu', true);
export const Node = keyword('node', true);
export const Cluster = keyword('cluster', true);
export const Train = keyword('train', true);
export const Serve = keyword('serve', true);
export const Search = keyword('search', true);
/** `8 x H800`: a count of things. */
export const Times = keyword('x');
/** `groups = 8 choose 4`: group-limited routing. */
export const Choose = keyword('choose');
/** `layers[1.. step 2]`: every n-th layer. */
export const Step = keyword('step');
export const True = keyword('true');
export const False = keyword('false');

export const DECLARATION_TOKENS: Record<DeclarationKeyword, TokenType> = {
  model: Model,
  gpu: Gpu,
  node: Node,
  cluster: Cluster,
  train: Train,
  serve: Serve,
  search: Search,
};

export const KEYWORD_TOKENS = [Import, Const, Model, Gpu, Node, Cluster, Train, Serve, Search, Times, Choose, Step, True, False];

export const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /[ \t\r\n]+/, group: Lexer.SKIPPED });
export const LineComment = createToken({ name: 'LineComment', pattern: /\/\/[^\n\r]*/, group: 'comments' });
export const BlockComment = createToken({
  name: 'BlockComment',
  pattern: /\/\*[^*]*\*+(?:[^/*][^*]*\*+)*\//,
  group: 'comments',
  line_breaks: true,
});

export const StringLiteral = createToken({ name: 'StringLiteral', pattern: /"(?:[^"\\\n\r]|\\.)*"/ });
/** A tile or block shape, `1x128` or `128x128`, written without spaces. */
export const ShapeLiteral = createToken({ name: 'ShapeLiteral', pattern: /\d+x\d+(?![A-Za-z0-9_])/ });
export const NumberLiteral = createToken({
  name: 'NumberLiteral',
  pattern: /\d[\d_]*(?:\.\d[\d_]*)?(?:[eE][+-]?\d+)?/,
});

/** Unit spellings, longest first so `GB/s` wins over `GB` and `ms` over `s`. */
export const UNIT_NAMES: readonly string[] = [...UNITS.keys()].sort((a, b) => b.length - a.length || a.localeCompare(b));
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
/** Matches a unit at a position; not when a word goes on (`ms` in `msg`) or a field follows (`s = 2`). */
const UNIT_AT = new RegExp(`(?:${UNIT_NAMES.map(escapeRegExp).join('|')})(?![A-Za-z0-9_$])(?![ \\t]*=)`, 'y');

/**
 * A unit is only a unit right after a number on the same line (`80 GB`, `3.35 TB/s`), so identifiers
 * spelled like units (`s`, `b`) stay free everywhere else.
 */
function matchUnit(text: string, offset: number, matched: IToken[]): CustomPatternMatcherReturn | null {
  const last = matched[matched.length - 1];
  if (!last || last.tokenType !== NumberLiteral) return null;
  for (let i = last.startOffset + last.image.length; i < offset; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9) return null;
  }
  UNIT_AT.lastIndex = offset;
  const m = UNIT_AT.exec(text);
  return m ? ([m[0]] as unknown as CustomPatternMatcherReturn) : null;
}

export const Unit = createToken({
  name: 'Unit',
  pattern: { exec: matchUnit },
  line_breaks: false,
  start_chars_hint: [...new Set(UNIT_NAMES.map((u) => u[0]!))],
});

export const LCurly = createToken({ name: 'LCurly', pattern: /\{/ });
export const RCurly = createToken({ name: 'RCurly', pattern: /\}/ });
export const LBracket = createToken({ name: 'LBracket', pattern: /\[/ });
export const RBracket = createToken({ name: 'RBracket', pattern: /]/ });
export const LParen = createToken({ name: 'LParen', pattern: /\(/ });
export const RParen = createToken({ name: 'RParen', pattern: /\)/ });
export const Equals = createToken({ name: 'Equals', pattern: /=/ });
export const Comma = createToken({ name: 'Comma', pattern: /,/ });
export const DotDot = createToken({ name: 'DotDot', pattern: /\.\./ });
export const Dot = createToken({ name: 'Dot', pattern: /\./ });
/** `+ - * /`; the parser reads them flat and the AST builder applies precedence. */
export const BinaryOperator = createToken({ name: 'BinaryOperator', pattern: Lexer.NA });
export const Plus = createToken({ name: 'Plus', pattern: /\+/, categories: [BinaryOperator] });
export const Minus = createToken({ name: 'Minus', pattern: /-/, categories: [BinaryOperator] });
export const Star = createToken({ name: 'Star', pattern: /\*/, categories: [BinaryOperator] });
export const Slash = createToken({ name: 'Slash', pattern: /\//, categories: [BinaryOperator] });

/** Lexer order: comments before `/`, shapes before numbers, units before identifiers, keywords before identifiers. */
export const ALL_TOKENS: TokenType[] = [
  WhiteSpace,
  LineComment,
  BlockComment,
  StringLiteral,
  ShapeLiteral,
  NumberLiteral,
  Unit,
  ...KEYWORD_TOKENS,
  Identifier,
  Name,
  ReferenceStart,
  LCurly,
  RCurly,
  LBracket,
  RBracket,
  LParen,
  RParen,
  Equals,
  Comma,
  DotDot,
  Dot,
  Plus,
  Minus,
  Star,
  Slash,
  BinaryOperator,
];

/** How each token is shown to a person (parse errors say "expected `=`", not "expected Equals"). */
export function describeToken(t: TokenType): string {
  switch (t) {
    case Identifier:
    case Name:
    case ReferenceStart:
      return 'a name';
    case BinaryOperator:
      return 'an operator';
    case NumberLiteral:
      return 'a number';
    case StringLiteral:
      return 'a string';
    case ShapeLiteral:
      return 'a shape such as `1x128`';
    case Unit:
      return 'a unit';
    default: {
      const p = t.PATTERN;
      if (p instanceof RegExp) return '`' + p.source.replace(/\\/g, '') + '`';
      return t.name;
    }
  }
}
