/**
 * How a field's type reads to a person: in a diagnostic ("`memory` expects bytes (such as `GB`)") and,
 * with `detailed`, in an editor hover (bounds spelled out, the unit left to its own line).
 */
import type * as A from '../syntax/ast.js';
import type { FieldType } from './schema.js';
import { describeDimension, exampleUnit, isDimensionless } from './units.js';

function bounds(min?: number, max?: number): string {
  if (min !== undefined && max !== undefined) return ` from ${min} to ${max}`;
  if (min !== undefined) return ` ≥ ${min}`;
  return max !== undefined ? ` ≤ ${max}` : '';
}

export function describeType(t: FieldType, detailed = false): string {
  switch (t.t) {
    case 'int':
      return 'a whole number' + (detailed ? bounds(t.min, t.max) : '');
    case 'real':
      if (!detailed) return 'a number';
      return 'a number' + (t.exclusiveMin && t.min !== undefined ? ` > ${t.min}${t.max !== undefined ? ` and ≤ ${t.max}` : ''}` : bounds(t.min, t.max));
    case 'quantity': {
      const unit = exampleUnit(t.dim);
      return describeDimension(t.dim) + (!detailed && unit ? ` (such as \`${unit}\`)` : '');
    }
    case 'bool':
      return '`true` or `false`';
    case 'string':
      return 'a string';
    case 'shape':
      return 'a shape such as `1x128`';
    case 'enum':
      return 'one of ' + t.values.map((v) => '`' + v + '`').join(', ');
    case 'variant':
      return 'one of ' + Object.keys(t.variants).map((v) => '`' + v + '`').join(', ');
    case 'ref':
      return detailed ? `the name of a \`${t.kind}\`` : `a ${t.kind}`;
    case 'count':
      if (!detailed) return t.countOnly ? 'a count' : 'a count such as `8 x …`';
      return t.countOnly ? `a count, or a count of ${describeType(t.item, true)}` : `a count of ${describeType(t.item, true)}: \`8 x …\``;
    case 'choose':
      return '`N choose K`';
    case 'intOrAuto':
      return 'a whole number or `auto`';
    case 'list':
      return (t.single ? `${describeType(t.item, detailed)}, or a list of them` : `a list of ${describeType(t.item, detailed).replace(/^(a|an|one of) /, (m) => (m === 'one of ' ? 'items from ' : ''))}`) + (detailed && t.min ? ` (at least ${t.min})` : '');
    case 'size':
      return 'a size such as `C/g`';
    case 'operator':
      return 'a reference operator such as `dense`';
    case 'budget':
      return isDimensionless(t.dim) ? 'a number or a multiple of a reference operator (`0.5 * dense`)' : `${describeDimension(t.dim)} or a multiple of a reference operator (\`0.5 * dense\`)`;
  }
}

/** What a written value is, for "expects …, found …" diagnostics: `a number`, `a list`, `` `H100` ``, … */
export function describeExpr(e: A.Expr): string {
  switch (e.kind) {
    case 'Number':
      return e.unit ? 'a quantity' : 'a number';
    case 'String':
      return 'a string';
    case 'Bool':
      return 'a boolean';
    case 'Count':
      return 'a count `N x …`';
    case 'Choose':
      return '`N choose K`';
    case 'List':
      return 'a list';
    case 'Shape':
      return 'a shape';
    case 'Ref':
      return `\`${e.path.map((p) => p.name).join('.')}\``;
    case 'Variant':
      return `\`${e.name.name} { … }\``;
    default:
      return 'an expression';
  }
}
