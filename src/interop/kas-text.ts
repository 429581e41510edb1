/**
 * Writing .kas text: numbers as the lexer reads them back, names that are valid identifiers, and a
 * block builder that lays fields out one per line with 2-space indents and comments in one column.
 */
import { DECLARATION_KEYWORDS } from '../syntax/tokens.js';

const KEYWORDS = new Set(['import', 'const', 'x', 'choose', 'step', 'true', 'false', ...Object.keys(DECLARATION_KEYWORDS)]);

/** Whether `name` may name a declaration: an identifier that is not a keyword. */
export function isDeclarationName(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !KEYWORDS.has(name);
}

/**
 * A declaration name made from free text (`deepseek-moe-16b-base` → `DeepseekMoe16bBase`,
 * `llama-3.1-405b` → `Llama3_1_405b`): words capitalised and joined, `_` between two digits.
 */
export function declarationNameFrom(text: string): string {
  const words = text.split(/[^A-Za-z0-9]+/).filter((w) => w.length > 0);
  let out = '';
  for (const w of words) {
    const word = w[0]!.toUpperCase() + w.slice(1);
    if (/[0-9]$/.test(out) && /^[0-9]/.test(word)) out += '_';
    out += word;
  }
  if (out === '' || /^[0-9]/.test(out)) out = 'Model' + out;
  return isDeclarationName(out) ? out : out + '_';
}

/** A number as .kas writes it: integers plainly, small fractions with an exponent (`1e-6`). */
export function kasNumber(n: number): string {
  if (!Number.isFinite(n)) throw new Error(`internal error: ${n} is not a finite number`);
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return String(n);
  const plain = String(n);
  if (!/e/.test(plain) && Math.abs(n) >= 1e-3) return plain;
  return n.toExponential().replace('e+', 'e');
}

interface Line {
  readonly depth: number;
  readonly text: string;
  readonly comment?: string;
}

/** Builds one declaration's lines; `render` aligns the trailing comments of each block in one column. */
export class KasBlockWriter {
  private readonly lines: Line[] = [];
  private depth = 0;

  comment(text: string): this {
    this.lines.push({ depth: this.depth, text: `// ${text}` });
    return this;
  }

  field(name: string, value: string, comment?: string): this {
    this.lines.push({ depth: this.depth, text: `${name} = ${value}`, ...(comment ? { comment } : {}) });
    return this;
  }

  open(header: string, comment?: string): this {
    this.lines.push({ depth: this.depth, text: `${header} {`, ...(comment ? { comment } : {}) });
    this.depth++;
    return this;
  }

  close(): this {
    this.depth--;
    this.lines.push({ depth: this.depth, text: '}' });
    return this;
  }

  blank(): this {
    this.lines.push({ depth: this.depth, text: '' });
    return this;
  }

  render(): string {
    if (this.depth !== 0) throw new Error('internal error: unbalanced .kas block');
    const widths = this.lines.filter((l) => l.comment).map((l) => 2 * l.depth + l.text.length);
    const column = Math.min(Math.max(0, ...widths) + 2, 60);
    return (
      this.lines
        .map((l) => {
          const text = '  '.repeat(l.depth) + l.text;
          if (!l.comment) return text.trimEnd();
          return `${text.padEnd(column - 1)} // ${l.comment}`;
        })
        .join('\n') + '\n'
    );
  }
}
