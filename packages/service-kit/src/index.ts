export {
  baseConfigShape,
  ConfigError,
  envBool,
  envInt,
  envList,
  loadConfigOrExit,
  parseConfig,
} from './config';
export { decodeJson, encodeJson } from './json';
export { createLogger, type Logger, REDACTED_PATHS } from './logger';
export { type ConnectNatsOptions, connectNats } from './nats';
export {
  answerOpsRequest,
  createMetricsRegistry,
  type OpsServer,
  type OpsServerOptions,
  type Readiness,
  startOpsServer,
} from './ops-server';
export { ensureConsumer, ensureKvBucket, ensureObjectBucket, ensureStream } from './provision';
export { provisionJetStream } from './provision-all';
export { handleShutdown, type ShutdownOptions, type ShutdownStep } from './shutdown';
