import { isAbsolute, resolve } from 'node:path';
import type { ApiClient } from './api-client';
import type { CommandName } from './command-specs';
import type { Output } from './output';

/** Inputs of a command: its arguments, the API client and the output. */
export interface CommandContext {
  command: CommandName;
  /** Positional arguments after the command name. */
  args: string[];
  /** Command options by long name. */
  options: Record<string, string | boolean | undefined>;
  api: ApiClient;
  out: Output;
  /** Print JSON instead of tables. */
  json: boolean;
  /** Directory that relative file paths on the command line are relative to. */
  cwd: string;
  /** Environment, for settings such as NO_COLOR. */
  env: Record<string, string | undefined>;
}

/** Returns a string option, or undefined when it was not given. */
export function stringOption(context: CommandContext, name: string): string | undefined {
  const value = context.options[name];
  return typeof value === 'string' ? value : undefined;
}

/** Tells whether a boolean option was given. */
export function flagOption(context: CommandContext, name: string): boolean {
  return context.options[name] === true;
}

/** Resolves a path from the command line against the user's working directory. */
export function resolveUserPath(context: CommandContext, path: string): string {
  return isAbsolute(path) ? path : resolve(context.cwd, path);
}

/** Encodes an id for use as one path segment. */
export function idSegment(id: string): string {
  return encodeURIComponent(id);
}
