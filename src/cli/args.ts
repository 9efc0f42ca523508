/**
 * Shared command-line checks: every mistake names the flag and exits with code 2. The flags, their ranges,
 * values, defaults and help are rows of the options table (src/api/options-table.ts), read here.
 */
import type { OptionSpec, OptionTable } from '../api/options-table.js';

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

/** The command-line flag of a table row: its own, else the name in kebab-case. */
export function flagName(name: string, spec: OptionSpec): string {
  return typeof spec.flag === 'string' ? spec.flag : name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** The rows of a table that are flags, with their flag names. */
function flagRows(table: OptionTable): Array<[string, string, OptionSpec]> {
  return Object.entries(table).filter(([, spec]) => spec.flag !== false).map(([name, spec]) => [name, flagName(name, spec), spec]);
}

/** parseArgs' option config for a table (a boolean row `negatable` also gets --no-FLAG). */
export function parseArgsConfig(table: OptionTable): Record<string, { type: 'string' | 'boolean'; multiple?: boolean; default?: string | boolean }> {
  const config: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; default?: string | boolean }> = { help: { type: 'boolean' } };
  for (const [, flag, spec] of flagRows(table)) {
    const type = spec.type === 'boolean' ? 'boolean' : 'string';
    config[flag] = { type, ...(spec.multiple ? { multiple: true } : {}), ...(spec.default !== undefined ? { default: type === 'boolean' ? Boolean(spec.default) : String(spec.default) } : {}) };
    if (spec.negatable) config[`no-${flag}`] = { type: 'boolean' };
  }
  return config;
}

/** A flag's text as the row's value; errors name the flag and quote the text (UsageError). */
export function flagValue(flag: string, spec: OptionSpec, text: string): unknown {
  const rule = spec.flagRule ?? spec;
  const integer = spec.type === 'integer' || rule.integer;
  const number = (t: string) => (rule.positive ? positiveNumber(flag, t) : nonNegativeNumber(flag, t));
  switch (spec.type) {
    case 'integer': case 'number':
      if (integer) return (rule.min ?? 1) >= 1 ? positiveInt(flag, text, rule.max) : nonNegativeInt(flag, text, rule.max);
      return number(text);
    case 'enum': return oneOf(flag, text, spec.values!);
    case 'numbers': return text.split(',').map(number);
    case 'strings': {
      const list = text.split(',').map((t) => t.trim()).filter(Boolean);
      if (list.length === 0) throw new UsageError(`${flag}: expected ${spec.also ? `${spec.also.join(' or ')} or ` : ''}a comma-separated list of layer names`);
      return list.length === 1 && spec.also?.includes(list[0]) ? list[0] : list;
    }
    default: return text;
  }
}

/**
 * The library options a command line gives: each flag of a row that is a library option, parsed by its row
 * (flags of `cliOnly` rows and booleans left false are the caller's). Keys are the table's names.
 */
export function optionsFromFlags(table: OptionTable, values: Record<string, unknown>): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (const [name, flag, spec] of flagRows(table)) {
    if (spec.cliOnly) continue;
    const given = values[flag];
    if (spec.negatable && given && values[`no-${flag}`]) throw new UsageError(`--${flag} and --no-${flag}: give one of them`);
    if (spec.negatable && values[`no-${flag}`]) options[name] = false;
    else if (spec.type === 'boolean') { if (given) options[name] = true; }
    else if (given !== undefined && !spec.multiple) options[name] = flagValue(`--${flag}`, spec, given as string);
  }
  return options;
}

/** Where the help text of a usage line starts. */
export const USAGE_COLUMN = 25;

/** The option lines of a usage text, one per flag: `--flag ARG  help (default D)`. */
export function usageLines(table: OptionTable, leaveOut: readonly string[] = []): string {
  return flagRows(table).filter(([name]) => !leaveOut.includes(name)).map(([, flag, spec]) => {
    const head = `  --${flag}${spec.negatable ? ` / --no-${flag}` : ''}${spec.arg ? ` ${spec.arg}` : ''}`;
    const values = spec.type === 'enum' ? `${spec.values!.join(' | ')}: ` : '';
    const def = spec.default !== undefined && spec.type !== 'boolean' ? ` (default ${spec.default})` : '';
    return `${head.padEnd(USAGE_COLUMN)}${head.length >= USAGE_COLUMN ? ' ' : ''}${values}${spec.help}${def}`;
  }).join('\n');
}
