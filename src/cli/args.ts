/** Shared command-line checks: every mistake names the flag and exits with code 2. */
export class UsageError extends Error {}

export function positiveInt(flag: string, value: string, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isInteger(n) || n < 1) throw new UsageError(`${flag}: expected a positive integer, got '${value}'`);
  if (n > max) throw new UsageError(`${flag}: ${n} is over the maximum (${max})`);
  return n;
}

/** An integer from 0 to max, written in plain digits; errors quote the text as the user typed it. */
export function nonNegativeInt(flag: string, value: string, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n > max) throw new UsageError(`${flag}: expected an integer from 0 to ${max}, got '${value}'`);
  return n;
}

export function nonNegativeNumber(flag: string, value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new UsageError(`${flag}: expected a number >= 0, got '${value}'`);
  return n;
}

export function positiveNumber(flag: string, value: string): number {
  const n = nonNegativeNumber(flag, value);
  if (n === 0) throw new UsageError(`${flag}: must be > 0`);
  return n;
}

export function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) throw new UsageError(`${flag}: expected one of ${allowed.join(', ')}, got '${value}'`);
  return value as T;
}
