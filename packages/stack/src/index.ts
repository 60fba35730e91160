export { formatLogLine } from './log-format';
export {
  type ServiceProcess,
  type ServiceProcessOptions,
  startServiceProcess,
  waitForHealthy,
} from './service-process';
export { SERVICES, type ServiceName, type Stack, type StackOptions, startStack } from './stack';
