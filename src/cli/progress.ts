/**
 * A progress bar for long work (placement over many layers, the co-design simulations). It draws on
 * stderr only when stderr is a terminal, and never for machine-readable output (`--json`) or with
 * `--quiet`; piped or redirected runs get nothing, so their output stays byte-identical.
 */

export interface Progress {
  /** `done` of `total` units finished; `what` names the unit in progress. */
  update(done: number, total: number, what?: string): void;
  /** Clears the bar. */
  finish(): void;
}

export interface ProgressStream {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(s: string): unknown;
}

const SILENT: Progress = { update() {}, finish() {} };

export interface ProgressOptions {
  readonly json?: boolean;
  readonly quiet?: boolean;
  readonly stream?: ProgressStream;
}

export function createProgress(label: string, opts: ProgressOptions = {}): Progress {
  const stream = opts.stream ?? process.stderr;
  if (!stream.isTTY || opts.json || opts.quiet) return SILENT;
  let drawn = false;
  let last = '';
  return {
    update(done, total, what) {
      const width = 24;
      const filled = total > 0 ? Math.round((done / total) * width) : 0;
      const text = `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}${what ? ` ${what}` : ''}`;
      const cols = Math.max(20, (stream.columns ?? 80) - 1);
      const line = text.length > cols ? text.slice(0, cols) : text;
      if (line === last) return;
      last = line;
      stream.write(`\r\x1b[2K${line}`);
      drawn = true;
    },
    finish() {
      if (drawn) stream.write('\r\x1b[2K');
      drawn = false;
      last = '';
    },
  };
}
