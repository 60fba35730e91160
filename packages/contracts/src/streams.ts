import { subjects } from './subjects';

const SECOND_NS = 1_000_000_000;
const DAY_NS = 86_400 * SECOND_NS;

/** A JetStream stream as Orderflow provisions it; fields use the JetStream API names. */
export interface StreamDefinition {
  name: string;
  subjects: string[];
  retention: 'limits' | 'workqueue' | 'interest';
  storage: 'file' | 'memory';
  /** Maximum age of a message in nanoseconds; 0 keeps messages until removed. */
  max_age: number;
  /** Window in nanoseconds in which a repeated `Nats-Msg-Id` is dropped. */
  duplicate_window: number;
  /** Maximum size of one message in bytes. */
  max_msg_size: number;
  num_replicas: number;
}

/** A durable pull consumer as Orderflow provisions it. */
export interface ConsumerDefinition {
  stream: string;
  durable_name: string;
  filter_subject: string;
  ack_policy: 'explicit';
  deliver_policy: 'all';
  /** Nanoseconds before an unacknowledged message is delivered again. */
  ack_wait: number;
  max_deliver: number;
  max_ack_pending: number;
}

/** Largest message Orderflow publishes, in bytes; the NATS server default max_payload is 1 MiB. */
export const MAX_MESSAGE_BYTES = 1024 * 1024;

/** Commands from the gateway to the importer and the scheduler; each is taken once. */
export const COMMANDS_STREAM: StreamDefinition = {
  name: 'ORDERFLOW_COMMANDS',
  subjects: [subjects.allCommands],
  retention: 'workqueue',
  storage: 'file',
  max_age: 7 * DAY_NS,
  duplicate_window: 10 * 60 * SECOND_NS,
  max_msg_size: MAX_MESSAGE_BYTES,
  num_replicas: 1,
};

/**
 * Every event, kept as the public, versioned history. The read model and the scheduler are
 * rebuilt from it, so messages are kept until the stream limits remove them.
 */
export const EVENTS_STREAM: StreamDefinition = {
  name: 'ORDERFLOW_EVENTS',
  subjects: [subjects.allEvents],
  retention: 'limits',
  storage: 'file',
  max_age: 0,
  duplicate_window: 10 * 60 * SECOND_NS,
  max_msg_size: MAX_MESSAGE_BYTES,
  num_replicas: 1,
};

/** Item attempts waiting for a browser worker. */
export const WORK_STREAM: StreamDefinition = {
  name: 'ORDERFLOW_WORK',
  subjects: [subjects.allWork],
  retention: 'workqueue',
  storage: 'file',
  max_age: 7 * DAY_NS,
  duplicate_window: 10 * 60 * SECOND_NS,
  max_msg_size: MAX_MESSAGE_BYTES,
  num_replicas: 1,
};

export const STREAMS = [COMMANDS_STREAM, EVENTS_STREAM, WORK_STREAM] as const;

/** Durable consumer names, shared by services, manifests and the KEDA trigger. */
export const CONSUMERS = {
  importer: 'importer',
  schedulerCommands: 'scheduler-commands',
  projector: 'gateway-projector',
  browserWorkers: 'browser-workers',
} as const;

/** Default of MAX_CONCURRENT_ITEMS: items in a browser at once across all batches and workers. */
export const DEFAULT_MAX_CONCURRENT_ITEMS = 8;

/** Default `ack_wait` of the work consumer; workers send `working()` well inside it. */
export const WORK_ACK_WAIT_MS = 30_000;

/** Delivery limit of the work consumer; the scheduler owns messages that reach it. */
export const WORK_MAX_DELIVER = 5;

/** Builds the work consumer definition; `maxAckPending` matches MAX_CONCURRENT_ITEMS. */
export function workConsumer(maxAckPending: number): ConsumerDefinition {
  return {
    stream: WORK_STREAM.name,
    durable_name: CONSUMERS.browserWorkers,
    filter_subject: subjects.allWork,
    ack_policy: 'explicit',
    deliver_policy: 'all',
    ack_wait: WORK_ACK_WAIT_MS * 1_000_000,
    max_deliver: WORK_MAX_DELIVER,
    max_ack_pending: maxAckPending,
  };
}

export const IMPORTER_CONSUMER: ConsumerDefinition = {
  stream: COMMANDS_STREAM.name,
  durable_name: CONSUMERS.importer,
  filter_subject: subjects.importCommands,
  ack_policy: 'explicit',
  deliver_policy: 'all',
  ack_wait: 60 * SECOND_NS,
  max_deliver: 5,
  max_ack_pending: 4,
};

export const SCHEDULER_COMMANDS_CONSUMER: ConsumerDefinition = {
  stream: COMMANDS_STREAM.name,
  durable_name: CONSUMERS.schedulerCommands,
  filter_subject: subjects.batchCommands,
  ack_policy: 'explicit',
  deliver_policy: 'all',
  ack_wait: 30 * SECOND_NS,
  max_deliver: 10,
  max_ack_pending: 256,
};

export const PROJECTOR_CONSUMER: ConsumerDefinition = {
  stream: EVENTS_STREAM.name,
  durable_name: CONSUMERS.projector,
  filter_subject: subjects.allEvents,
  ack_policy: 'explicit',
  deliver_policy: 'all',
  ack_wait: 30 * SECOND_NS,
  max_deliver: -1,
  max_ack_pending: 5_000,
};

/** Key-value buckets. */
export const KV_BUCKETS = {
  /** Lease that makes one scheduler replica the active one. */
  schedulerLease: { bucket: 'orderflow_scheduler_lease', history: 1, ttlMs: 0 },
} as const;

/** Object store buckets. */
export const OBJECT_BUCKETS = {
  /** Uploaded workbooks and large JSON payloads waiting for the importer. */
  uploads: { bucket: 'orderflow_uploads', ttlMs: 7 * 86_400_000 },
  /** Screenshots, page HTML and logs of failed attempts. */
  artifacts: { bucket: 'orderflow_artifacts', ttlMs: 30 * 86_400_000 },
} as const;
