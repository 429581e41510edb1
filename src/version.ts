/** The compiler's version, printed by `--version` and written into every report. */
export const VERSION = '0.1.0';
