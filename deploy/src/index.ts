export {
  checkBrowserWorkerScaling,
  findAutoscaler,
  findServiceContainer,
  natsJetStreamTriggerSchema,
  type WorkerScalingOptions,
  type WorkQueueNames,
} from './browser-worker';
export { CNPG_APP_SECRET_KEYS, cnpgClusterSchema } from './cnpg-cluster';
export {
  type ConfigSchemaLike,
  checkEnvironmentAgainstSchema,
  configFileOf,
  isRequiredSetting,
  loadConfigSchema,
  SERVICES,
  type ServiceName,
} from './config-schema';
export {
  type BrowserImageExpectations,
  checkDockerfile,
  type DockerInstruction,
  type DockerStage,
  parseDockerfile,
  stagesOf,
} from './dockerfile';
export {
  type ContainerEnvironment,
  type EnvironmentEntry,
  type EnvironmentOptions,
  resolveContainerEnvironment,
} from './environment';
export { imagePinProblem, serviceOfImage } from './images';
export {
  buildKustomization,
  containersOf,
  findKustomizationFile,
  type Kustomization,
  KustomizeError,
  podSpecOf,
  readKustomization,
  splitImage,
} from './kustomize';
export {
  checkNatsValues,
  mergeHelmValues,
  type NatsExpectations,
  type NatsValues,
  natsValuesSchema,
} from './nats-values';
export { type Destination, isEgressAllowed, isInCidr, selectsPod } from './network-policy';
export {
  describeObject,
  findObject,
  isKubernetesObject,
  isRecord,
  type KubernetesObject,
  ManifestError,
  readObjects,
  readYamlDocuments,
} from './objects';
export {
  applyJsonPatch,
  applyStrategicMergePatch,
  type JsonPatchOperation,
  PatchError,
} from './patch';
export { validateObject } from './schemas';
export { checkContainers, checkProbePorts, OPS_PORT_SETTING } from './workloads';
