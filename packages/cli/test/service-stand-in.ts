import { type ConsumerMessages, type JetStreamClient, jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  type BatchCommand,
  batchCommandSchema,
  COMMANDS_STREAM,
  createEvent,
  deriveItemId,
  type EVENT_DATA,
  type EventType,
  IMPORTER_CONSUMER,
  type ImportBatchCommand,
  type ImportedItem,
  importBatchCommandSchema,
  type OrderflowEvent,
  parseAmount,
  type RowError,
  SCHEDULER_COMMANDS_CONSUMER,
  subjects,
} from '@orderflow/contracts';
import { encodeJson } from '@orderflow/service-kit';
import type { z } from 'zod';

/** Events published in reply to one command, in order. */
export type Reply = OrderflowEvent[];

/** Returns the events that reply to an import command. The default accepts JSON items. */
export type ImportHandler = (command: ImportBatchCommand) => Reply | Promise<Reply>;

/**
 * Stand-in for the importer and the scheduler as far as the gateway can observe them. It takes
 * their commands from the real durable consumers and publishes the events those services would
 * publish, so that the real gateway projects them and responds to the CLI.
 */
export class ServiceStandIn {
  /** Every command taken, in order. */
  readonly importCommands: ImportBatchCommand[] = [];
  readonly batchCommands: BatchCommand[] = [];
  /** Replies to import commands. Tests replace it for uploads. */
  onImport: ImportHandler = acceptInlineItems;
  /** Failed item ids per batch, which a retry command puts back to work. */
  readonly failedItems = new Map<string, string[]>();

  private readonly js: JetStreamClient;
  private readonly subscriptions: ConsumerMessages[] = [];
  private readonly loops: Promise<void>[] = [];

  /**
   * @param standInForImporter false when a real importer takes the import commands
   */
  constructor(
    connection: NatsConnection,
    private readonly standInForImporter = true,
  ) {
    this.js = jetstream(connection);
  }

  /** Starts consuming the scheduler's commands, and the importer's unless a real one runs. */
  async start(): Promise<void> {
    const scheduler = await this.js.consumers.get(
      COMMANDS_STREAM.name,
      SCHEDULER_COMMANDS_CONSUMER.durable_name,
    );
    const controls = await scheduler.consume();
    this.subscriptions.push(controls);
    this.loops.push(
      (async () => {
        for await (const message of controls) {
          const command = batchCommandSchema.parse(message.json());
          this.batchCommands.push(command);
          await this.publish(...this.replyToBatchCommand(command));
          message.ack();
        }
      })(),
    );
    if (!this.standInForImporter) return;

    const importer = await this.js.consumers.get(
      COMMANDS_STREAM.name,
      IMPORTER_CONSUMER.durable_name,
    );
    const imports = await importer.consume();
    this.subscriptions.push(imports);
    this.loops.push(
      (async () => {
        for await (const message of imports) {
          const command = importBatchCommandSchema.parse(message.json());
          this.importCommands.push(command);
          await this.publish(...(await this.onImport(command)));
          message.ack();
        }
      })(),
    );
  }

  /** Publishes events to the events stream as a service would, awaiting each ack. */
  async publish(...events: OrderflowEvent[]): Promise<void> {
    for (const event of events) {
      await this.js.publish(subjects.event(event.batchId, event.type), encodeJson(event), {
        msgID: event.id,
      });
    }
  }

  async stop(): Promise<void> {
    for (const subscription of this.subscriptions) await subscription.close();
    await Promise.all(this.loops);
  }

  private replyToBatchCommand(command: BatchCommand): Reply {
    const options = {
      source: 'scheduler',
      batchId: command.batchId,
      causationId: command.commandId,
    } as const;
    if (command.type === 'retry') {
      const failed = this.failedItems.get(command.batchId) ?? [];
      const requeued = failed.slice(0, command.limit);
      this.failedItems.set(command.batchId, failed.slice(command.limit));
      // As the scheduler does: the batch event first, then each requeued item, all naming the
      // command as their cause, which the gateway counts before it responds.
      return [
        createEvent('batch.retry_requested', options, {
          limit: command.limit,
          requeuedCount: requeued.length,
        }),
        ...requeued.map((itemId) =>
          createEvent('item.requeued', { ...options, itemId }, { attemptsBefore: 1 }),
        ),
      ];
    }
    switch (command.action) {
      case 'start':
        return [createEvent('batch.started', options, { maxConcurrency: 5 })];
      case 'pause':
        return [createEvent('batch.paused', options, {})];
      case 'resume':
        return [createEvent('batch.resumed', options, {})];
      case 'cancel':
        return [createEvent('batch.cancel_requested', options, {})];
    }
  }
}

/** Builds an event of one batch as the importer or scheduler would publish it. */
export function batchEvent<T extends EventType>(
  type: T,
  batchId: string,
  data: z.input<(typeof EVENT_DATA)[T]>,
  itemIndex?: number,
): OrderflowEvent<T> {
  const source =
    type.startsWith('batch.items') || type === 'batch.created' ? 'importer' : 'scheduler';
  const itemId = itemIndex === undefined ? undefined : deriveItemId(batchId, itemIndex);
  return createEvent(type, { source, batchId, ...(itemId ? { itemId } : {}) }, data);
}

/** Events of an accepted import of `items`, caused by `command`. */
export function importedEvents(
  command: ImportBatchCommand,
  items: Array<{ orderUrl: string; amount: string; extra?: Record<string, string> }>,
  kind: 'json' | 'xlsx' | 'csv',
): Reply {
  const imported: ImportedItem[] = items.map((item, index) => ({
    itemId: deriveItemId(command.batchId, index),
    index,
    row: kind === 'json' ? index : index + 2,
    orderUrl: item.orderUrl,
    amount: item.amount,
    extra: item.extra ?? {},
  }));
  const options = {
    source: 'importer',
    batchId: command.batchId,
    causationId: command.commandId,
  } as const;
  return [
    createEvent('batch.items_added', options, { chunk: 0, items: imported }),
    createEvent('batch.created', options, {
      name: command.name,
      ...(command.description ? { description: command.description } : {}),
      itemCount: imported.length,
      chunkCount: 1,
      source: {
        kind,
        ...(command.source.kind === 'object' ? { fileName: command.source.fileName } : {}),
      },
      columns: ['order_url', 'amount'],
      ...(command.options.maxConcurrency ? { maxConcurrency: command.options.maxConcurrency } : {}),
      skippedRows: [],
      skippedCount: 0,
    }),
  ];
}

/**
 * Accepts the items of a JSON import, or rejects the import with one row error per invalid
 * amount or link, as the importer does.
 */
export function acceptInlineItems(command: ImportBatchCommand): Reply {
  if (command.source.kind !== 'items')
    throw new Error('the default import handler takes JSON only');
  const errors: RowError[] = [];
  const items = command.source.items.map((raw, index) => {
    const amount = parseAmount(raw.amount);
    const orderUrl = String(raw.order_url ?? '');
    if (!URL.canParse(orderUrl)) {
      errors.push({
        index,
        column: 'order_url',
        problem: 'invalid_url',
        message: `${orderUrl} is not a URL`,
      });
    }
    if (!amount.ok) {
      errors.push({
        index,
        column: 'amount',
        problem: 'invalid_amount',
        message: `${String(raw.amount)} is not an amount`,
      });
    }
    return { orderUrl, amount: amount.ok ? amount.amount : '0' };
  });

  if (errors.length > 0) {
    const options = {
      source: 'importer',
      batchId: command.batchId,
      causationId: command.commandId,
    } as const;
    return [
      createEvent('batch.import_rejected', options, {
        name: command.name,
        code: 'IMPORT_REJECTED',
        message: `${errors.length} rows are invalid.`,
        errors,
        errorCount: errors.length,
      }),
    ];
  }
  return importedEvents(command, items, 'json');
}
