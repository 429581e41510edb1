/** Number formatting for human-readable reports: exact integers with separators, SI-scaled rates. */

export function int(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** `671.03B`, `37.55B`, `926.68M` */
export function count(n: number): string {
  const units: [number, string][] = [
    [1e12, 'T'],
    [1e9, 'B'],
    [1e6, 'M'],
    [1e3, 'K'],
  ];
  for (const [scale, suffix] of units) if (Math.abs(n) >= scale) return (n / scale).toFixed(2) + suffix;
  return String(n);
}

/** Decimal SI with a unit: `70.27 KB`, `1.34 TB`, `250.46 GFLOP`. */
export function si(n: number, unit: string, digits = 2): string {
  const prefixes: [number, string][] = [
    [1e15, 'P'],
    [1e12, 'T'],
    [1e9, 'G'],
    [1e6, 'M'],
    [1e3, 'K'],
  ];
  for (const [scale, p] of prefixes) if (Math.abs(n) >= scale) return `${(n / scale).toFixed(digits)} ${p}${unit}`;
  return `${Number(n.toFixed(digits))} ${unit}`;
}

export function percent(x: number, digits = 2): string {
  return (x * 100).toFixed(digits) + '%';
}
