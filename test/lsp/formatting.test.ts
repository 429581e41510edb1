import { describe, expect, it } from 'vitest';
import { formatDocument } from '../../src/lsp/formatting.js';
import { formatSource } from '../../src/format/format.js';
import { LineIndex } from '../../src/lsp/position.js';

const apply = (text: string) => {
  const edits = formatDocument(text, 'f.kas', new LineIndex(text));
  return edits.length ? edits[0]!.newText : text;
};

describe('formatting', () => {
  it('one edit over the whole document, giving what `kasc fmt` gives, comments kept', () => {
    const messy = 'model X{vocab=1000   // size\nhidden=8}\n';
    const edits = formatDocument(messy, 'f.kas', new LineIndex(messy));
    expect(edits).toHaveLength(1);
    expect(edits[0]!.range).toEqual({ start: { line: 0, character: 0 }, end: { line: 2, character: 0 } });
    expect(edits[0]!.newText).toBe(formatSource(messy, 'f.kas').text);
    expect(edits[0]!.newText).toContain('// size');
  });

  it('no edit for a formatted document or one with syntax errors', () => {
    const formatted = apply('model X{vocab=1000\nhidden=8}\n');
    expect(formatDocument(formatted, 'f.kas', new LineIndex(formatted))).toEqual([]);
    expect(formatDocument('model X { vocab = }', 'f.kas', new LineIndex('model X { vocab = }'))).toEqual([]);
  });
});
