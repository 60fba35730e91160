import { parseArgs } from 'node:util';
import {
  COMMANDS,
  type CommandName,
  type CommandSpec,
  GLOBAL_OPTIONS,
  isCommandName,
  type OptionSpec,
} from './command-specs';
import { UsageError } from './errors';

/** Values of the options that every command accepts. */
export interface GlobalOptions {
  apiUrl?: string;
  token?: string;
  json: boolean;
  help: boolean;
}

/** A command line split into its command, positional arguments and option values. */
export interface ParsedCommandLine {
  command: CommandName;
  /** Positional arguments after the command name. */
  args: string[];
  /** Command options by their long name, without the leading dashes. */
  options: Record<string, string | boolean | undefined>;
  global: GlobalOptions;
}

/**
 * Parses `argv` (without the node and script paths). Global options may come before or after
 * the command. Throws a {@link UsageError} for an unknown command or option, an option without
 * its value, a value given to a flag, or a wrong number of arguments.
 */
export function parseCommandLine(argv: readonly string[]): ParsedCommandLine {
  const commandName = findCommandName(argv);
  if (commandName === undefined) {
    if (argv.some((arg) => arg === '--help' || arg === '-h')) {
      return { command: 'help', args: [], options: {}, global: { json: false, help: true } };
    }
    throw new UsageError('missing command');
  }
  if (!isCommandName(commandName)) throw new UsageError(`unknown command '${commandName}'`);

  const spec: CommandSpec = COMMANDS[commandName];
  const optionSpecs: Record<string, OptionSpec> = { ...GLOBAL_OPTIONS, ...spec.options };
  const { values, positionals } = parseTokens(argv, optionSpecs, commandName);
  const global: GlobalOptions = {
    apiUrl: values['api-url'] as string | undefined,
    token: values.token as string | undefined,
    json: values.json === true,
    help: values.help === true,
  };
  const args = positionals.slice(1);
  if (global.help) return { command: commandName, args, options: values, global };

  checkArguments(commandName, spec, args);
  for (const [name, option] of Object.entries(spec.options) as [string, OptionSpec][]) {
    if (option.required && values[name] === undefined) {
      throw new UsageError(`missing option --${name}`, commandName);
    }
  }
  return { command: commandName, args, options: values, global };
}

/** Finds the first argument that is neither an option nor the value of a global option. */
function findCommandName(argv: readonly string[]): string | undefined {
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index]!;
    if (arg === '--') return argv[index + 1];
    if (!arg.startsWith('-') || arg === '-') return arg;

    const name = arg.replace(/^--?/, '');
    const option = (GLOBAL_OPTIONS as Record<string, OptionSpec>)[name];
    if (option?.type === 'string') index++;
  }
  return undefined;
}

function parseTokens(
  argv: readonly string[],
  optionSpecs: Record<string, OptionSpec>,
  command: CommandName,
): { values: ParsedCommandLine['options']; positionals: string[] } {
  const options = Object.fromEntries(
    Object.entries(optionSpecs).map(([name, option]) => [
      name,
      option.short ? { type: option.type, short: option.short } : { type: option.type },
    ]),
  );
  // Non-strict parsing returns every token, so that the checks below can name the offending
  // option in a short message of their own.
  const { tokens } = parseArgs({
    args: [...argv],
    options,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });

  const values: ParsedCommandLine['options'] = {};
  const positionals: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'positional') {
      positionals.push(token.value);
      continue;
    }
    if (token.kind !== 'option') continue;

    const option = optionSpecs[token.name];
    if (!option) throw new UsageError(`unknown option ${token.rawName}`, command);
    if (option.type === 'boolean') {
      if (token.inlineValue) throw new UsageError(`option --${token.name} takes no value`, command);
      values[token.name] = true;
      continue;
    }
    // A value that looks like another option means the value itself was left out, unless the
    // user attached it with `=`.
    const missing =
      token.value === undefined || (!token.inlineValue && token.value.startsWith('--'));
    if (missing) throw new UsageError(`option --${token.name} requires a value`, command);
    values[token.name] = token.value;
  }
  return { values, positionals };
}

function checkArguments(command: CommandName, spec: CommandSpec, args: string[]): void {
  const max = spec.arguments.length;
  const min = max - (spec.optionalArguments ?? 0);
  if (args.length < min) {
    throw new UsageError(`missing argument ${spec.arguments[args.length]}`, command);
  }
  if (args.length > max) {
    throw new UsageError(`unexpected argument '${args[max]}'`, command);
  }
}

/** Parses an option value as a whole number of at least 1. */
export function parsePositiveInt(value: string, option: string, command: CommandName): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) {
    throw new UsageError(
      `option --${option} must be a whole number of at least 1, got '${value}'`,
      command,
    );
  }
  return Number(value);
}

/** Checks that an option value is one of `choices`. */
export function parseChoice<T extends string>(
  value: string,
  option: string,
  choices: readonly T[],
  command: CommandName,
): T {
  if (!(choices as readonly string[]).includes(value)) {
    throw new UsageError(
      `option --${option} must be one of ${choices.join(', ')}, got '${value}'`,
      command,
    );
  }
  return value as T;
}
