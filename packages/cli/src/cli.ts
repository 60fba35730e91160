import { ApiClient } from './api-client';
import type { CommandContext } from './command-context';
import { type CommandName, isCommandName } from './command-specs';
import { controlCommand, retryCommand, setItemCommand } from './commands/control';
import { exportCommand } from './commands/export';
import { itemsCommand, listCommand, statusCommand } from './commands/show';
import { submitCommand } from './commands/submit';
import { watchCommand } from './commands/watch';
import { resolveConnection } from './connection';
import { ExitCode, UsageError } from './errors';
import { formatHelp } from './help';
import { Output, shouldUseColor, type TextSink } from './output';
import { parseCommandLine } from './parse-args';
import { reportError } from './report-error';

/** Process context of one CLI run: arguments, streams, environment variables and directories. */
export interface CliEnvironment {
  /** Arguments after the program name. */
  argv: readonly string[];
  stdout: TextSink;
  stderr: TextSink;
  env: Record<string, string | undefined>;
  /** Directory that relative paths on the command line are relative to. */
  cwd: string;
  /** Repository root, whose `.data/api-token` the local stack writes. */
  rootDir: string;
}

type CommandHandler = (context: CommandContext) => Promise<void>;

const HANDLERS: Record<Exclude<CommandName, 'help'>, CommandHandler> = {
  submit: submitCommand,
  status: statusCommand,
  list: listCommand,
  watch: watchCommand,
  start: controlCommand,
  pause: controlCommand,
  resume: controlCommand,
  cancel: controlCommand,
  retry: retryCommand,
  export: exportCommand,
  items: itemsCommand,
  'set-item': setItemCommand,
};

/**
 * Runs one command line and returns the exit status. Usage, API, network and file errors become
 * messages and a status; any other error is a bug and is thrown.
 */
export async function runCli(environment: CliEnvironment): Promise<ExitCode> {
  const out = new Output(
    environment.stdout,
    environment.stderr,
    shouldUseColor(environment.stdout, environment.env),
  );
  let json = false;
  try {
    const parsed = parseCommandLine(environment.argv);
    json = parsed.global.json;
    if (parsed.command === 'help' || parsed.global.help) {
      const topic = parsed.command === 'help' ? parsed.args[0] : parsed.command;
      if (topic !== undefined && !isCommandName(topic)) {
        throw new UsageError(`unknown command '${topic}'`);
      }
      environment.stdout.write(formatHelp(topic));
      return ExitCode.Success;
    }

    const connection = resolveConnection({
      apiUrl: parsed.global.apiUrl,
      token: parsed.global.token,
      env: environment.env,
      rootDir: environment.rootDir,
    });
    const context: CommandContext = {
      command: parsed.command,
      args: parsed.args,
      options: parsed.options,
      api: new ApiClient(connection),
      out,
      json,
      cwd: environment.cwd,
      env: environment.env,
    };
    await HANDLERS[parsed.command](context);
    return ExitCode.Success;
  } catch (error) {
    if (reportError(error, out, json)) {
      return error instanceof UsageError ? ExitCode.Usage : ExitCode.Failure;
    }
    throw error;
  }
}
