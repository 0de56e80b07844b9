// What every command-line entry in tools/ shares: strict parsing over node:util.parseArgs, --help,
// typed number and list options with bounds, and the exit codes of a Node tool (0 done, 1 failed,
// 2 bad usage). A typo in a flag, a flag without its value or a number that is not one is a
// UsageError, never a silent default or a NaN.
import { parseArgs, type ParseArgsConfig } from 'node:util';

type ParseArgsOptionsConfig = NonNullable<ParseArgsConfig['options']>;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const EXIT_USAGE = 2;

const HELP = { help: { type: 'boolean', short: 'h' } } as const;

export interface CommandSpec<O extends ParseArgsOptionsConfig> {
  options: O;
  /** How many positional arguments, what they are, and a hint for the message when one is missing. */
  positionals?: { min: number; max: number; what: string; hint?: string };
}

/** node's ERR_PARSE_ARGS_* messages, shortened to one line that names the flag. */
function parseErrorMessage(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  const code = (e as { code?: string }).code;
  const flag = /Option '(-[^' ]+)/.exec(message)?.[1] ?? /option '(-[^']+)'/i.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && flag) return `unknown flag ${flag}`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && flag) {
    if (/argument missing/.test(message)) return `${flag} needs a value`;
    if (/ambiguous/.test(message)) return `${flag} needs a value (a value that starts with a dash is written ${flag}=-VALUE)`;
    if (/does not take an argument/.test(message)) return `${flag} takes no value`;
  }
  return message.split('\n')[0];
}

/** The parsed flags, typed from the options table, and the positionals. */
export type Parsed<O extends ParseArgsOptionsConfig> = ReturnType<typeof parseArgs<{ args: string[]; options: O & typeof HELP; strict: true; allowPositionals: true; allowNegative: true }>>;

/**
 * Parses argv (without node and the script) strictly; null means --help was asked for. Boolean
 * flags can be negated (--no-build sets build to false). Throws UsageError.
 */
export function parseCommand<O extends ParseArgsOptionsConfig>(argv: readonly string[], spec: CommandSpec<O>): Parsed<O> | null {
  let parsed: Parsed<O>;
  try {
    parsed = parseArgs({ args: [...argv], options: { ...spec.options, ...HELP }, strict: true, allowPositionals: true, allowNegative: true }) as Parsed<O>;
  } catch (e) {
    throw new UsageError(parseErrorMessage(e));
  }
  if ((parsed.values as { help?: boolean }).help) return null;
  const { min, max, what, hint } = spec.positionals ?? { min: 0, max: 0, what: 'arguments' };
  const n = parsed.positionals.length;
  if (n < min) throw new UsageError(`no ${what} given${hint ? ` (${hint})` : ''}`);
  if (n > max) throw new UsageError(max === 0 ? `unexpected argument ${parsed.positionals[0]}` : `${min === max ? '' : 'at most '}${max} ${what} expected, got ${n}: ${parsed.positionals.join(' ')}`);
  return parsed;
}

export interface NumberBounds {
  integer?: boolean;
  /** Inclusive bounds. */
  min?: number;
  max?: number;
  /** Exclusive lower bound (e.g. 0 for "positive"). */
  above?: number;
  /** Exclusive upper bound. */
  below?: number;
}

function describeBounds(b: NumberBounds): string {
  const kind = b.integer ? 'an integer' : 'a number';
  const parts: string[] = [];
  if (b.above !== undefined) parts.push(`> ${b.above}`);
  if (b.min !== undefined) parts.push(`≥ ${b.min}`);
  if (b.below !== undefined) parts.push(`< ${b.below}`);
  if (b.max !== undefined) parts.push(`≤ ${b.max}`);
  return parts.length ? `${kind} ${parts.join(' and ')}` : kind;
}

/**
 * The value of --name as a number within bounds; undefined when the flag is absent. `what` says
 * what is expected in the error ("a positive number of minutes"); by default the bounds do.
 */
export function numberOption(name: string, text: string | undefined, bounds: NumberBounds = {}, what = describeBounds(bounds)): number | undefined {
  if (text === undefined) return undefined;
  const v = Number(text);
  const ok =
    text.trim() !== '' &&
    Number.isFinite(v) &&
    (!bounds.integer || Number.isInteger(v)) &&
    (bounds.min === undefined || v >= bounds.min) &&
    (bounds.max === undefined || v <= bounds.max) &&
    (bounds.above === undefined || v > bounds.above) &&
    (bounds.below === undefined || v < bounds.below);
  if (!ok) throw new UsageError(`--${name} must be ${what} (got "${text}")`);
  return v;
}

/** A comma-separated list (--presets nano,micro), repeated flags joined; undefined when absent or empty. */
export function listOption(text: string | string[] | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  const items = (Array.isArray(text) ? text : [text]).flatMap((t) => t.split(',')).map((s) => s.trim()).filter((s) => s.length > 0);
  return items.length > 0 ? items : undefined;
}

/** One of a fixed set of words; undefined when absent. */
export function choiceOption<C extends string>(name: string, text: string | undefined, choices: readonly C[]): C | undefined {
  if (text === undefined) return undefined;
  if (!(choices as readonly string[]).includes(text)) throw new UsageError(`--${name} must be ${choices.join(', ')} (got "${text}")`);
  return text as C;
}

export interface RunOptions {
  /** Errors that are the input's fault: one line, no stack (others are internal errors, with it). */
  expected?: (e: unknown) => boolean;
}

/**
 * Runs a command's main and exits with its code: a UsageError prints the message and the usage
 * (2), an expected error one line (1), anything else "internal error" and its stack (1). Exits once
 * stdout and stderr are flushed, because Dawn, Chromium or a server handle can keep Node alive
 * after the work is done.
 */
export function runCommand(tool: string, usage: string, main: () => Promise<number | void> | number | void, options: RunOptions = {}): void {
  const fail = (e: unknown): number => {
    if (e instanceof UsageError) {
      process.stderr.write(`${tool}: ${e.message}\n\n${usage}`);
      return EXIT_USAGE;
    }
    const message = e instanceof Error ? e.message : String(e);
    if (options.expected?.(e)) process.stderr.write(`${tool}: ${message}\n`);
    else process.stderr.write(`${tool}: internal error: ${e instanceof Error ? (e.stack ?? message) : message}\n`);
    return 1;
  };
  const exit = (code: number) => {
    process.exitCode = code;
    process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
  };
  let result: Promise<number | void> | number | void;
  try {
    result = main();
  } catch (e) {
    exit(fail(e));
    return;
  }
  Promise.resolve(result).then(
    (code) => exit(code ?? 0),
    (e: unknown) => exit(fail(e)),
  );
}

/** Prints the usage for --help (parseCommand returned null); the exit code is 0. */
export function printUsage(usage: string): number {
  process.stdout.write(usage);
  return 0;
}

/** A comma-separated list whose items must each be one of `choices`; undefined when absent. */
export function listChoiceOption(name: string, text: string | string[] | undefined, choices: readonly string[]): string[] | undefined {
  const items = listOption(text);
  const unknown = items?.filter((item) => !choices.includes(item)) ?? [];
  if (unknown.length > 0) throw new UsageError(`--${name}: unknown ${unknown.join(', ')}; known: ${choices.join(', ')}`);
  return items;
}
