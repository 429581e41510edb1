/**
 * The grammar, as a chevrotain CstParser with error recovery. It builds a concrete syntax tree and
 * nothing else: meaning is given later (to-ast, check). One instance is shared; `parse` resets it.
 */
import type { CstNode, IToken } from 'chevrotain';
import { CstParser } from './chevrotain.js';
import * as T from './tokens.js';

class KasParser extends CstParser {
  constructor() {
    super(T.ALL_TOKENS, {
      recoveryEnabled: true,
      maxLookahead: 3,
      nodeLocationTracking: 'onlyOffset',
      // The grammar checks (ambiguity, left recursion) cost ~5 ms of every start-up and can only fail
      // when the grammar changes; the test suite (vitest sets VITEST) still runs them.
      skipValidations: process.env['VITEST'] === undefined,
    });
    this.performSelfAnalysis();
  }

  file = this.RULE('file', () => {
    this.MANY(() => {
      this.OR([
        { ALT: () => this.SUBRULE(this.importDecl) },
        { ALT: () => this.SUBRULE(this.constDecl) },
        { ALT: () => this.SUBRULE(this.blockDecl) },
      ]);
    });
  });

  importDecl = this.RULE('importDecl', () => {
    this.CONSUME(T.Import);
    this.CONSUME(T.StringLiteral);
  });

  constDecl = this.RULE('constDecl', () => {
    this.CONSUME(T.Const);
    this.CONSUME(T.Identifier);
    this.CONSUME(T.Equals);
    this.SUBRULE(this.value);
  });

  blockDecl = this.RULE('blockDecl', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.Model) },
      { ALT: () => this.CONSUME(T.Gpu) },
      { ALT: () => this.CONSUME(T.Node) },
      { ALT: () => this.CONSUME(T.Cluster) },
      { ALT: () => this.CONSUME(T.Train) },
      { ALT: () => this.CONSUME(T.Serve) },
      { ALT: () => this.CONSUME(T.Search) },
    ]);
    this.CONSUME(T.Identifier);
    this.SUBRULE(this.body);
  });

  body = this.RULE('body', () => {
    this.CONSUME(T.LCurly);
    this.MANY(() => this.SUBRULE(this.member));
    this.CONSUME(T.RCurly);
  });

  /** `name = value`, `name { … }` or `name selector[range] { … }` */
  member = this.RULE('member', () => {
    this.CONSUME(T.Name);
    this.OR([
      {
        // `value` inlined: a field is the commonest node, and one level less is measurably faster.
        ALT: () => {
          this.CONSUME(T.Equals);
          this.SUBRULE(this.expression);
          this.OPTION2(() => this.SUBRULE(this.countOrChoose));
        },
      },
      {
        ALT: () => {
          this.OPTION(() => this.SUBRULE(this.selector));
          this.SUBRULE(this.body);
        },
      },
    ]);
  });

  selector = this.RULE('selector', () => {
    this.CONSUME2(T.Name);
    this.CONSUME(T.LBracket);
    this.SUBRULE(this.range);
    this.CONSUME(T.RBracket);
  });

  range = this.RULE('range', () => {
    this.OPTION(() => this.SUBRULE(this.expression));
    this.CONSUME(T.DotDot);
    this.OPTION2(() => this.SUBRULE2(this.expression));
    this.OPTION3(() => {
      this.CONSUME(T.Step);
      this.SUBRULE3(this.expression);
    });
  });

  /** An expression, optionally `N x item` or `N choose K`. */
  value = this.RULE('value', () => {
    this.SUBRULE(this.expression);
    this.OPTION(() => this.SUBRULE(this.countOrChoose));
  });

  /** The tail of `N x item` or `N choose K`. */
  countOrChoose = this.RULE('countOrChoose', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Times);
          this.SUBRULE2(this.expression);
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Choose);
          this.SUBRULE3(this.expression);
        },
      },
    ]);
  });

  /**
   * Operands joined by binary operators, flat: precedence (`*` `/` over `+` `-`, left to right) is
   * applied when the AST is built. Keeping the tree shallow keeps parsing fast.
   */
  expression = this.RULE('expression', () => {
    this.SUBRULE(this.operand);
    this.MANY(() => {
      this.CONSUME(T.BinaryOperator);
      this.SUBRULE2(this.operand);
    });
  });

  /** Prefix minuses, then a literal, a parenthesized expression, a list or a reference/variant. */
  operand = this.RULE('operand', () => {
    this.MANY(() => this.CONSUME(T.Minus));
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.NumberLiteral);
          this.OPTION(() => this.CONSUME(T.Unit));
        },
      },
      { ALT: () => this.CONSUME(T.ShapeLiteral) },
      { ALT: () => this.CONSUME(T.StringLiteral) },
      { ALT: () => this.CONSUME(T.True) },
      { ALT: () => this.CONSUME(T.False) },
      {
        ALT: () => {
          this.CONSUME(T.LParen);
          this.SUBRULE(this.expression);
          this.CONSUME(T.RParen);
        },
      },
      { ALT: () => this.SUBRULE(this.list) },
      {
        // `a`, `a.b.c`, `model.context` (a declaration keyword names the field of that name), or a
        // variant `name { … }`.
        ALT: () => {
          this.CONSUME(T.ReferenceStart);
          this.MANY2(() => {
            this.CONSUME(T.Dot);
            this.CONSUME(T.Name);
          });
          this.OPTION2(() => this.SUBRULE(this.body));
        },
      },
    ]);
  });

  list = this.RULE('list', () => {
    this.CONSUME(T.LBracket);
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.value) });
    this.CONSUME(T.RBracket);
  });
}

let instance: KasParser | undefined;

/** The parser instance, built on first use (its self-analysis is the costly part of start-up). */
export function parserInstance(): KasParser {
  instance ??= new KasParser();
  return instance;
}

export interface ParseResult {
  readonly cst: CstNode;
  readonly errors: KasParser['errors'];
}

export function parseTokens(tokens: IToken[]): ParseResult {
  const p = parserInstance();
  p.input = tokens;
  const cst = p.file();
  return { cst, errors: p.errors };
}

/** Rule names, for docs and the railroad diagrams. */
export function grammarRules() {
  return parserInstance().getSerializedGastProductions();
}
