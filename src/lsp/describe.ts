/** How the schema reads to a person in the editor: a field's type, unit, default; a location. */
import type { FieldSpec, FieldType } from '../semantics/schema.js';
import { describeType as describeSchemaType } from '../semantics/describe-type.js';
import { describeDimension, exampleUnit } from '../semantics/units.js';
import type { Span } from '../diagnostics/diagnostic.js';
import type { DocumentAnalysis } from './workspace.js';

/** A field's type as the editor shows it: bounds spelled out, the unit on its own line. */
export function describeType(t: FieldType): string {
  return describeSchemaType(t, true);
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
