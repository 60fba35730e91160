import {
  type ConsumerMessages,
  type JetStreamClient,
  jetstream,
  jetstreamManager,
} from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { COMMANDS_STREAM, CONSUMERS, KV_BUCKETS } from '@orderflow/contracts';
import type { Logger } from '@orderflow/service-kit';
import type { Registry } from 'prom-client';
import { CommandHandler } from './command-handler';
import type { Config } from './config';
import type { DeciderSettings } from './decision';
import { DecisionExecutor } from './decision-executor';
import { DecisionLoop } from './decision-loop';
import { DeliveryLimitWatcher } from './delivery-limit-watcher';
import { EventFollower, FOLLOW_PULL_EXPIRES_MS } from './event-follower';
import { SchedulerLease } from './lease';
import { registerSchedulerMetrics } from './metrics';
import { republishQueuedWork } from './queued-work';
import { SerialQueue } from './serial-queue';
import { createState, type SchedulerState } from './state';

/** Milliseconds a new holder of the lease waits for the replay to reach the stream's end. */
const CATCH_UP_TIMEOUT_MS = 120_000;

/** Commands fetched at once from the command consumer, which handles them one at a time. */
const COMMAND_BATCH_SIZE = 16;

/** Milliseconds before a replica holding the lease tries again to take over after a failure. */
const TAKE_OVER_RETRY_MS = 1_000;

/** Milliseconds before a command whose handling failed is delivered again. */
const COMMAND_RETRY_MS = 2_000;

/** Services the scheduler needs; the caller creates and closes them. */
export interface SchedulerDeps {
  connection: NatsConnection;
  log: Logger;
  /** Registry for the scheduler's metrics; none are registered without it. */
  registry?: Registry;
  /**
   * Called when the replica can no longer work, because following the event stream failed.
   * The replica has already released the lease; the composition root should exit.
   */
  onFatal?: (error: unknown) => void;
}

/** A running scheduler replica. */
export interface SchedulerHandle {
  replicaId: string;
  /** The state rebuilt from events; read it, never change it. */
  state: SchedulerState;
  /** Tells whether this replica holds the lease and has caught up with the event stream. */
  isActive(): boolean;
  /** Tells whether the replay has reached the end of the stream as it was at start-up. */
  isCaughtUp(): boolean;
  /** Stops consuming, finishes the current round, and releases the lease for a standby. */
  stop(): Promise<void>;
  /**
   * Stops at once without releasing the lease or waiting for anything, as a killed process
   * would. For tests, which then close the connection.
   */
  abort(): void;
}

/** Translates the configuration into the decider's settings. */
export function deciderSettings(config: Config): DeciderSettings {
  return {
    maxBatchItems: config.MAX_CONCURRENT_BATCH_ITEMS,
    maxPerHost: config.MAX_CONCURRENT_PER_HOST,
    maxGlobal: config.MAX_CONCURRENT_ITEMS,
    retryLimit: config.BATCH_TASK_RETRY_LIMIT,
    attemptTimeoutMs: config.BATCH_TASK_TIMEOUT * 1_000,
    timeoutGraceMs: config.ATTEMPT_TIMEOUT_GRACE_MS,
    backoff: { baseDelayMs: config.RETRY_BASE_DELAY_MS, maxDelayMs: config.RETRY_MAX_DELAY_MS },
  };
}

/**
 * Starts one scheduler replica: replays the event stream into its state, competes for the
 * lease, and while it holds the lease, handles commands and publishes decisions. The streams,
 * consumers and the lease bucket must exist (`provisionJetStream`).
 */
export async function startScheduler(
  config: Config,
  deps: SchedulerDeps,
): Promise<SchedulerHandle> {
  const replicaId = config.SCHEDULER_REPLICA_ID;
  const log = deps.log.child({ component: 'scheduler', replicaId });
  const js = jetstream(deps.connection);
  const jsm = await jetstreamManager(deps.connection);
  const kv = await new Kvm(deps.connection).open(KV_BUCKETS.schedulerLease.bucket);
  const settings = deciderSettings(config);

  const state = createState();
  const queue = new SerialQueue();
  const metrics = deps.registry
    ? registerSchedulerMetrics(deps.registry, state, () => mayDecide())
    : undefined;
  const executor = new DecisionExecutor(js, jsm, log, (event) =>
    metrics?.decisions.inc({ type: event.type }),
  );
  let loop: DecisionLoop | undefined;
  const follower = new EventFollower(js, jsm, state, log, {
    onApplied: () => loop?.kick(),
    onFailed: (error) => {
      log.error({ err: error }, 'following the event stream failed, giving up the lease');
      caughtUp = false;
      stepDown();
      void lease.stop(true).finally(() => deps.onFatal?.(error));
    },
  });
  let leading = false;
  let takingOver = false;
  let stopped = false;
  let caughtUp = false;
  const mayDecide = () => leading && lease.isHeld();

  loop = new DecisionLoop({ state, settings, executor, follower, queue, log, mayDecide });
  const commands = new CommandHandler({
    state,
    executor,
    follower,
    queue,
    log,
    mayDecide,
    defaultMaxConcurrency: config.MAX_CONCURRENT_BATCH_ITEMS,
    batchWaitMs: config.COMMAND_BATCH_WAIT_MS,
    notFoundAfterMs: config.COMMAND_NOT_FOUND_AFTER_MS,
    onAnswered: () => loop?.kick(),
  });
  const commandConsumer = new CommandConsumer(js, commands, log);
  const deliveryLimits = new DeliveryLimitWatcher(deps.connection, js, jsm, log, mayDecide);

  const lease = new SchedulerLease({
    kv,
    replicaId,
    ttlMs: config.SCHEDULER_LEASE_TTL_MS,
    renewMs: config.SCHEDULER_LEASE_RENEW_MS,
    log,
    onChange: (held) => {
      if (held) void lead();
      else stepDown();
    },
  });

  const lead = async () => {
    if (leading || takingOver || stopped) return;
    takingOver = true;
    try {
      if (!(await follower.catchUp(CATCH_UP_TIMEOUT_MS))) {
        throw new Error(`event replay not caught up within ${CATCH_UP_TIMEOUT_MS} ms`);
      }
      caughtUp = true;
      if (!lease.isHeld() || stopped) return;
      await queue.run(() => republishQueuedWork(state, executor, settings, log));
      leading = true;
      loop?.activate();
      await commandConsumer.start();
      log.info({ seq: state.lastSeq }, 'scheduler active');
    } catch (error) {
      // Holding the lease without acting would block the standby, so keep trying.
      log.error({ err: error }, 'taking over as the active scheduler failed, trying again');
      stepDown();
      setTimeout(() => {
        if (lease.isHeld()) void lead();
      }, TAKE_OVER_RETRY_MS);
    } finally {
      takingOver = false;
    }
  };

  const stepDown = () => {
    if (!leading) return;
    leading = false;
    loop?.deactivate();
    commandConsumer.stop();
    log.info('scheduler standing by');
  };

  await follower.start();
  void follower.catchUp(CATCH_UP_TIMEOUT_MS).then((done) => {
    caughtUp = caughtUp || done;
  });
  deliveryLimits.start();
  lease.start();
  log.info('scheduler started');

  return {
    replicaId,
    state,
    isActive: () => mayDecide(),
    isCaughtUp: () => caughtUp,
    async stop() {
      stopped = true;
      stepDown();
      await queue.idle();
      await lease.stop(true);
      deliveryLimits.stop();
      follower.stop();
      log.info('scheduler stopped');
    },
    abort() {
      stopped = true;
      leading = false;
      loop?.deactivate();
      commandConsumer.stop();
      void lease.stop(false);
      deliveryLimits.stop();
      follower.stop();
    },
  };
}

/** Pulls commands from the durable command consumer while this replica is active. */
class CommandConsumer {
  private messages?: ConsumerMessages;
  private starting = false;
  private shouldConsume = false;

  constructor(
    private readonly js: JetStreamClient,
    private readonly handler: CommandHandler,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    this.shouldConsume = true;
    if (this.messages || this.starting) return;
    this.starting = true;
    try {
      const consumer = await this.js.consumers.get(
        COMMANDS_STREAM.name,
        CONSUMERS.schedulerCommands,
      );
      const messages = await consumer.consume({
        max_messages: COMMAND_BATCH_SIZE,
        expires: FOLLOW_PULL_EXPIRES_MS,
      });
      // A stop while the consumer was being created wins.
      if (!this.shouldConsume) {
        messages.stop();
        return;
      }
      this.messages = messages;
      void this.run(messages);
    } finally {
      this.starting = false;
    }
  }

  /** Stops pulling; fetched but unanswered commands are delivered again after `ack_wait`. */
  stop(): void {
    this.shouldConsume = false;
    this.messages?.stop();
    this.messages = undefined;
  }

  private async run(messages: ConsumerMessages): Promise<void> {
    for await (const message of messages) {
      try {
        await this.handler.handle(message);
      } catch (error) {
        this.log.error({ err: error, seq: message.seq }, 'command handling failed');
        message.nak(COMMAND_RETRY_MS);
      }
    }
  }
}
