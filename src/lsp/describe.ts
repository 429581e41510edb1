/** How the schema reads to a person in the editor: a field's type, unit, default; a location. */
import type { FieldSpec, FieldType } from '../semantics/schema.js';
import { describeDimension, exampleUnit } from '../semantics/units.js';
import type { Span } from '../diagnostics/diagnostic.js';
import type { DocumentAnalysis } from './workspace.js';

export function describeType(t: FieldType): string {
  const bounds = (min?: number, max?: number) => (min !== undefined && max !== undefined ? ` from ${min} to ${max}` : min !== undefined ? ` ≥ ${min}` : max !== undefined ? ` ≤ ${max}` : '');
  switch (t.t) {
    case 'int':
      return 'a whole number' + bounds(t.min, t.max);
    case 'real':
      return 'a number' + (t.exclusiveMin && t.min !== undefined ? ` > ${t.min}${t.max !== undefined ? ` and ≤ ${t.max}` : ''}` : bounds(t.min, t.max));
    case 'quantity':
      return describeDimension(t.dim);
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
      return `the name of a \`${t.kind}\``;
    case 'count':
      return t.countOnly ? `a count, or a count of ${describeType(t.item)}` : `a count of ${describeType(t.item)}: \`8 x …\``;
    case 'choose':
      return '`N choose K`';
    case 'intOrAuto':
      return 'a whole number or `auto`';
  }
}

/** The unit line of a quantity field: its dimension and a unit to write it in. */
export function unitOf(t: FieldType): string | undefined {
  if (t.t !== 'quantity') return undefined;
  const example = exampleUnit(t.dim);
  return `${describeDimension(t.dim)}${example ? ` (write it as, say, \`${example}\`)` : ''}`;
}

/** Markdown lines about a field: its doc, type, unit, default or that it is required. */
export function fieldLines(spec: FieldSpec): string[] {
  const lines = [spec.doc, ''];
  const facts = [`type: ${describeType(spec.type)}`];
  const unit = unitOf(spec.type);
  if (unit) facts.push(`unit: ${unit}`);
  if (spec.required) facts.push('required');
  else if (spec.default !== undefined) facts.push(`default: \`${String(spec.default)}\``);
  else facts.push('optional');
  lines.push(facts.join(' · '));
  return lines;
}

/** `stdlib/models/deepseek-v3.kas:14:7`, as diagnostics print it. */
export function where(span: Span, analysis: DocumentAnalysis): string {
  const src = analysis.result.source(span.file);
  if (!src) return span.file;
  const p = src.position(span.start);
  return `${src.path}:${p.line}:${p.column}`;
}
