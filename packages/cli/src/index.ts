export { ApiClient, type RequestOptions } from './api-client';
export { type BatchSummary, type ItemCounts, summarizeBatch } from './batch-summary';
export { type CliEnvironment, runCli } from './cli';
export { COMMANDS, type CommandName } from './command-specs';
export { type Connection, DEFAULT_API_URL, resolveConnection } from './connection';
export { ApiError, ExitCode, FileError, NetworkError, UsageError } from './errors';
export { formatProgressLine, renderBar } from './progress-bar';
export { readEventStream, type ServerSentEvent, SseParser } from './sse';
export { formatTable } from './table';
