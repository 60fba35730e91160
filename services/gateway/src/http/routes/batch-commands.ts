import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import {
  API_BASE_PATH,
  type BatchCommand,
  type ControlAction,
  controlRequestSchema,
  type ErrorCode,
  MAX_ROW_ERROR_VALUE_CHARS,
  newId,
  retryQuerySchema,
  shortenText,
} from '@orderflow/contracts';
import type { Context } from 'hono';
import type { BatchRow } from '../../db/schema';
import { waitForProjection } from '../../projector/notification';
import {
  countEventsCausedBy,
  findBatch,
  findEventCausedBy,
  findRepeatedOrders,
  type RepeatedOrder,
} from '../../read-model/queries';
import { ApiError } from '../api-error';
import type { AppEnv, GatewayServices } from '../context';
import { limitBody, requireJsonBody } from '../json-body';
import { presentBatch } from '../presenters';
import { asRouteResponse } from '../route-response';
import {
  acceptedSchema,
  batchIdParam,
  batchSchema,
  errorResponses,
  retryResultSchema,
} from '../schemas';
import { batchNotFound } from './batch-reads';

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

/**
 * Returns why an action cannot apply to a batch as the read model shows it, or undefined. The
 * scheduler makes the final decision, so this check only catches the obvious cases without a
 * round trip.
 */
export function controlConflict(batch: BatchRow, action: ControlAction): string | undefined {
  const status = batch.status;
  switch (action) {
    case 'start':
      if (status === 'pending') return undefined;
      if (status === 'processing' && batch.paused) {
        return 'The batch is processing but paused; use the action "resume" instead.';
      }
      return `The batch is ${status}; only a pending batch can be started.`;
    case 'cancel':
      if (TERMINAL.has(status)) return `The batch is already ${status}; it cannot be cancelled.`;
      if (batch.cancel_requested) return 'The batch is already being cancelled.';
      return undefined;
    case 'pause':
      if (status !== 'processing')
        return `The batch is ${status}; only a processing batch can be paused.`;
      if (batch.paused) return 'The batch is already paused.';
      return undefined;
    case 'resume':
      if (status !== 'processing' || !batch.paused) {
        return `The batch is ${status} and not paused; only a paused batch can be resumed.`;
      }
      return undefined;
  }
}

/** Registers `POST /{id}/control` and `POST /{id}/retry`, which the scheduler carries out. */
export function registerBatchCommands(app: OpenAPIHono<AppEnv>, services: GatewayServices): void {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/{batch_task_id}/control',
      summary: 'Start, cancel, pause or resume a batch',
      tags: ['batches'],
      middleware: [limitBody(services.config.MAX_JSON_BODY_BYTES), requireJsonBody()] as const,
      request: {
        params: batchIdParam,
        body: { required: true, content: { 'application/json': { schema: controlRequestSchema } } },
      },
      responses: {
        200: {
          description: 'The scheduler applied the action.',
          content: { 'application/json': { schema: batchSchema } },
        },
        202: {
          description: 'The command was sent; the scheduler has not responded yet.',
          content: { 'application/json': { schema: acceptedSchema } },
        },
        ...errorResponses(400, 404, 409, 415, 422),
      },
    }),
    async (c) => {
      const { batch_task_id: batchId } = c.req.valid('param');
      const { action, allow_repeated_orders: allowRepeatedOrders } = c.req.valid('json');
      const batch = await findBatch(services.db, batchId);
      if (!batch) throw batchNotFound(batchId);
      const conflict = controlConflict(batch, action);
      if (conflict) {
        throw new ApiError('INVALID_TRANSITION', conflict, { status: batch.status, action });
      }
      if (action === 'start' && services.config.REJECT_REPEATED_ORDERS && !allowRepeatedOrders) {
        await rejectRepeatedOrders(services, batch);
      }
      const command = controlCommand(c, batchId, action);
      const response = await sendAndWait(c, services, command, async () => {
        const updated = await findBatch(services.db, batchId);
        return c.json(presentBatch(updated!), 200);
      });
      return asRouteResponse(response);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/{batch_task_id}/retry',
      summary: 'Put failed items back to work',
      tags: ['batches'],
      request: { params: batchIdParam, query: retryQuerySchema },
      responses: {
        200: {
          description: 'The failed items were requeued.',
          content: { 'application/json': { schema: retryResultSchema } },
        },
        202: {
          description: 'The command was sent; the scheduler has not responded yet.',
          content: { 'application/json': { schema: acceptedSchema } },
        },
        ...errorResponses(404, 409, 422),
      },
    }),
    async (c) => {
      const { batch_task_id: batchId } = c.req.valid('param');
      const { limit } = c.req.valid('query');
      const batch = await findBatch(services.db, batchId);
      if (!batch) throw batchNotFound(batchId);
      if (batch.failed_count === 0) {
        throw new ApiError(
          'NOTHING_TO_RETRY',
          `The batch is ${batch.status} and has no failed items to retry.`,
          { status: batch.status },
        );
      }
      const command: BatchCommand = {
        type: 'retry',
        commandId: newId(),
        batchId,
        issuedAt: new Date().toISOString(),
        requestedBy: c.get('principal').label,
        limit,
      };
      const response = await sendAndWait(c, services, command, async (data) => {
        const requeued = (data as { requeuedCount?: number }).requeuedCount ?? 0;
        await waitForRequeued(services, command, requeued);
        const updated = await findBatch(services.db, batchId);
        return c.json({ requeued_count: requeued, batch: presentBatch(updated!) }, 200);
      });
      return asRouteResponse(response);
    },
  );
}

/**
 * Waits until the `item.requeued` events of a retry are projected too, because the scheduler
 * publishes them after `batch.retry_requested` and the counts should include them. Gives up
 * after PROJECTION_WAIT_MS and returns the counts as they are.
 */
async function waitForRequeued(
  services: GatewayServices,
  command: BatchCommand,
  requeued: number,
): Promise<void> {
  if (requeued === 0) return;
  await waitForProjection(
    services.notifier,
    command.batchId,
    services.config.PROJECTION_WAIT_MS,
    async () => {
      const count = await countEventsCausedBy(services.db, command.commandId, 'item.requeued');
      return count >= requeued ? true : undefined;
    },
  );
}

/** Items of a repeated-orders rejection that its details list. */
const LISTED_REPEATED_ORDERS = 20;
/** Maximum characters of the link that the message names. */
const MAX_LINK_CHARS_IN_MESSAGE = 120;

/**
 * Raises REPEATED_ORDERS when other batches already succeeded with, or are working on, some of
 * the batch's order links, because starting it would open those orders again and could pay for
 * them twice. Two batches with the same links started close together can both pass, because
 * the check reads the read model, which shows the first one working only once its start is
 * projected.
 */
async function rejectRepeatedOrders(services: GatewayServices, batch: BatchRow): Promise<void> {
  const { count, examples } = await findRepeatedOrders(
    services.db,
    batch.id,
    LISTED_REPEATED_ORDERS,
  );
  const [first] = examples;
  if (count === 0 || !first) return;
  // Rows of a JSON batch hold the item's index in task_items, while `idx` counts accepted items.
  const byIndex = (batch.source as { kind?: string } | null)?.kind === 'json';
  const placeOf = (order: RepeatedOrder) =>
    byIndex ? `item ${order.row_number}` : `row ${order.row_number}`;

  const links =
    count === 1 ? '1 order link of this batch is' : `${count} order links of this batch are`;
  throw new ApiError(
    'REPEATED_ORDERS',
    `${links} already done or in progress in another batch. The first is ${placeOf(first)}: ` +
      `${shortenText(first.order_url, MAX_LINK_CHARS_IN_MESSAGE)} (${first.other_status} in batch ` +
      `${first.other_batch_id}). Starting would open those orders again and may pay for them ` +
      'twice. Check them, then import the other rows as a new batch, or start with ' +
      '"allow_repeated_orders": true.',
    {
      error_count: count,
      errors: examples.map((order) => ({
        ...(byIndex ? { index: order.row_number } : { row: order.row_number }),
        column: 'order_url',
        value: shortenText(order.order_url, MAX_ROW_ERROR_VALUE_CHARS),
        problem: 'repeated_order',
        message: `${order.other_status} in batch ${order.other_batch_id}`,
        batch_task_id: order.other_batch_id,
        status: order.other_status,
      })),
    },
  );
}

function controlCommand(c: Context<AppEnv>, batchId: string, action: ControlAction): BatchCommand {
  return {
    type: 'control',
    commandId: newId(),
    batchId,
    issuedAt: new Date().toISOString(),
    requestedBy: c.get('principal').label,
    action,
  };
}

/**
 * Publishes a scheduler command and waits, up to COMMAND_WAIT_MS, for the event it caused to
 * be projected: the transition (returned by `respond`), a rejection (raised as its error), or
 * nothing yet (202).
 */
async function sendAndWait(
  c: Context<AppEnv>,
  services: GatewayServices,
  command: BatchCommand,
  respond: (data: Record<string, unknown>) => Promise<Response>,
): Promise<Response> {
  await services.bus.publishBatchCommand(command);
  c.get('log').info(
    { batchId: command.batchId, commandId: command.commandId, type: command.type },
    'batch command published',
  );
  const caused = await waitForProjection(
    services.notifier,
    command.batchId,
    services.config.COMMAND_WAIT_MS,
    () => findEventCausedBy(services.db, command.commandId),
  );
  if (caused?.type === 'batch.command_rejected') {
    const data = caused.data as { code: ErrorCode; message: string };
    throw new ApiError(data.code, data.message, { command_id: command.commandId });
  }
  if (caused) return respond(caused.data);

  const location = `${API_BASE_PATH}/${command.batchId}`;
  c.header('Location', location);
  return c.json(
    {
      batch_task_id: command.batchId,
      command_id: command.commandId,
      status: 'accepted',
      message: 'The command was sent, but the scheduler has not responded yet. Poll the Location.',
      location,
    },
    202,
  );
}
