import {
  COMMANDS,
  type CommandName,
  type CommandSpec,
  GLOBAL_OPTIONS,
  type OptionSpec,
} from './command-specs';

const PROGRAM = 'orderflow';

function formatOptionSyntax(name: string, option: OptionSpec): string {
  return option.type === 'string' ? `--${name} ${option.valueName ?? 'VALUE'}` : `--${name}`;
}

function formatArguments(spec: CommandSpec): string[] {
  const required = spec.arguments.length - (spec.optionalArguments ?? 0);
  return spec.arguments.map((arg, index) => (index < required ? arg : `[${arg}]`));
}

/** Formats the one-line synopsis of a command, such as `usage: orderflow status ID [--failed]`. */
export function formatUsageLine(command: CommandName): string {
  const spec: CommandSpec = COMMANDS[command];
  const options = Object.entries(spec.options).map(([name, option]) => {
    const syntax = formatOptionSyntax(name, option);
    return option.required ? syntax : `[${syntax}]`;
  });
  return ['usage:', PROGRAM, command, ...formatArguments(spec), ...options].join(' ');
}

function formatOptionList(options: Record<string, OptionSpec>): string[] {
  const rows = Object.entries(options).map(([name, option]) => {
    const short = option.short ? `-${option.short}, ` : '';
    return [`${short}${formatOptionSyntax(name, option)}`, option.description] as const;
  });
  const width = Math.max(...rows.map(([syntax]) => syntax.length));
  return rows.map(([syntax, description]) => `  ${syntax.padEnd(width)}  ${description}`);
}

/** Formats the help text of one command, or of the whole program when `command` is undefined. */
export function formatHelp(command?: CommandName): string {
  if (command !== undefined && command !== 'help') {
    const spec: CommandSpec = COMMANDS[command];
    const lines = [formatUsageLine(command), '', spec.summary];
    if (Object.keys(spec.options).length > 0) {
      lines.push('', 'Options:', ...formatOptionList(spec.options));
    }
    lines.push('', 'Global options:', ...formatOptionList(GLOBAL_OPTIONS));
    return `${lines.join('\n')}\n`;
  }

  const names = Object.keys(COMMANDS) as CommandName[];
  const width = Math.max(...names.map((name) => name.length));
  const lines = [
    `usage: ${PROGRAM} COMMAND [ARGUMENTS] [OPTIONS]`,
    '',
    'Client for the Orderflow REST interface.',
    '',
    'Commands:',
    ...names.map((name) => `  ${name.padEnd(width)}  ${COMMANDS[name].summary}`),
    '',
    'Global options:',
    ...formatOptionList(GLOBAL_OPTIONS),
    '',
    `Run '${PROGRAM} help COMMAND' for the options of one command.`,
    'Exit status: 0 on success, 1 on an API, network or file error, 2 on bad usage.',
  ];
  return `${lines.join('\n')}\n`;
}
