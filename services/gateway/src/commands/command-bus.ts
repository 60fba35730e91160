import type { JetStreamClient, PubAck } from '@nats-io/jetstream';
import {
  type BatchCommand,
  batchCommandSchema,
  type ImportBatchCommand,
  importBatchCommandSchema,
  type OrderflowEvent,
  subjects,
} from '@orderflow/contracts';
import { encodeJson } from '@orderflow/service-kit';
import { ApiError } from '../http/api-error';

/** Publishes the gateway's commands and events; every message carries its id as `Nats-Msg-Id`. */
export interface CommandBus {
  publishImport(command: ImportBatchCommand): Promise<PubAck>;
  publishBatchCommand(command: BatchCommand): Promise<PubAck>;
  publishEvent(event: OrderflowEvent): Promise<PubAck>;
}

/** Creates a {@link CommandBus} that validates each message against its contract first. */
export function createCommandBus(js: JetStreamClient): CommandBus {
  const publish = async (subject: string, payload: unknown, msgID: string) => {
    try {
      return await js.publish(subject, encodeJson(payload), { msgID });
    } catch (error) {
      throw new ApiError(
        'MESSAGING_UNAVAILABLE',
        'The command could not be sent because NATS is not reachable. Try again shortly.',
        undefined,
        { cause: error },
      );
    }
  };
  return {
    publishImport: (command) =>
      publish(
        subjects.importCommand(command.batchId),
        importBatchCommandSchema.parse(command),
        command.commandId,
      ),
    publishBatchCommand: (command) =>
      publish(
        subjects.batchCommand(command.batchId),
        batchCommandSchema.parse(command),
        command.commandId,
      ),
    publishEvent: (event) => publish(subjects.event(event.batchId, event.type), event, event.id),
  };
}
