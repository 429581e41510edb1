import { describe, expect, it } from 'vitest';
import { createProgress } from '../../src/cli/progress.js';

function fakeStream(isTTY: boolean) {
  const out: string[] = [];
  return { stream: { isTTY, columns: 60, write: (s: string) => out.push(s) }, out };
}

describe('progress bar', () => {
  it('draws on a terminal and clears the line when finished', () => {
    const { stream, out } = fakeStream(true);
    const p = createProgress('placing', { stream });
    p.update(1, 4, 'layers');
    p.update(1, 4, 'layers'); // unchanged: not redrawn
    p.update(4, 4, 'layers');
    p.finish();
    expect(out).toHaveLength(3);
    expect(out[0]).toContain('placing [######..................] 1/4 layers');
    expect(out[1]).toContain('[########################] 4/4');
    expect(out[2]).toBe('\r\x1b[2K');
  });

  it('writes nothing when piped, with --json or with --quiet', () => {
    for (const [tty, opts] of [
      [false, {}],
      [true, { json: true }],
      [true, { quiet: true }],
    ] as const) {
      const { stream, out } = fakeStream(tty);
      const p = createProgress('x', { ...opts, stream });
      p.update(1, 2);
      p.finish();
      expect(out).toEqual([]);
    }
  });

  it('keeps the line within the terminal width', () => {
    const { stream, out } = fakeStream(true);
    createProgress('a long label for a narrow terminal', { stream }).update(3, 10, 'something with a long name indeed');
    expect(out[0]!.replace('\r\x1b[2K', '').length).toBeLessThanOrEqual(59);
  });
});
