import { type ControlAction, ItemStatus } from '@orderflow/contracts';
import { displayStatus, isObject, summarizeBatch } from '../batch-summary';
import { type CommandContext, flagOption, idSegment, stringOption } from '../command-context';
import { ApiError } from '../errors';
import { summarizeItem } from '../item-summary';
import { plural } from '../output';
import { parseChoice, parsePositiveInt } from '../parse-args';
import { formatFields } from '../table';

const ACTION_DONE: Record<ControlAction, string> = {
  start: 'Started',
  pause: 'Paused',
  resume: 'Resumed',
  cancel: 'Cancellation requested for',
};

/** Status of a 202 body: the gateway sent the command but has no outcome yet. */
const ACCEPTED_STATUS = 'accepted';

/**
 * Sends a control action and returns the response body. A start carries
 * `allow_repeated_orders` when the command has `--allow-repeated-orders`.
 */
export function sendControl(
  context: CommandContext,
  batchId: string,
  action: ControlAction,
): Promise<unknown> {
  const allowRepeated = action === 'start' && flagOption(context, 'allow-repeated-orders');
  return context.api
    .requestJson(`/${idSegment(batchId)}/control`, {
      method: 'POST',
      json: allowRepeated ? { action, allow_repeated_orders: true } : { action },
    })
    .catch((error: unknown) => {
      if (error instanceof ApiError && error.code === 'REPEATED_ORDERS') {
        error.hint =
          'Check those orders first. To start the batch anyway: ' +
          `orderflow start ${batchId} --allow-repeated-orders`;
      }
      throw error;
    });
}

/** Sends the control action named by the command (`start|pause|resume|cancel ID`). */
export async function controlCommand(context: CommandContext): Promise<void> {
  const batchId = context.args[0]!;
  const action = context.command as ControlAction;
  const body = await sendControl(context, batchId, action);
  if (context.json) return context.out.json(body ?? {});
  context.out.line(describeControlResult(action, batchId, body, context));
}

/** Describes a control response, with the batch status when the response carries one. */
export function describeControlResult(
  action: ControlAction,
  batchId: string,
  body: unknown,
  context: CommandContext,
): string {
  if (isObject(body) && body.status === ACCEPTED_STATUS) {
    return `Sent ${action} to batch ${batchId}; the scheduler has not confirmed it yet.`;
  }
  const sentence = `${ACTION_DONE[action]} batch ${batchId}`;
  if (!isObject(body) || typeof body.status !== 'string') return `${sentence}.`;
  const status = displayStatus(summarizeBatch(body));
  return `${sentence}; status ${context.out.status(status)}.`;
}

/** Puts failed items back to work (`retry ID [--limit N]`). */
export async function retryCommand(context: CommandContext): Promise<void> {
  const batchId = context.args[0]!;
  const limitValue = stringOption(context, 'limit');
  const limit =
    limitValue === undefined ? undefined : parsePositiveInt(limitValue, 'limit', context.command);

  const body = await context.api.requestJson(`/${idSegment(batchId)}/retry`, {
    method: 'POST',
    query: { limit },
  });
  if (context.json) return context.out.json(body ?? {});

  if (isObject(body) && body.status === ACCEPTED_STATUS) {
    context.out.line(`Sent retry to batch ${batchId}; the scheduler has not confirmed it yet.`);
    return;
  }
  const requeued =
    isObject(body) && typeof body.requeued_count === 'number' ? body.requeued_count : undefined;
  context.out.line(
    requeued === undefined
      ? `Retry requested for the failed items of batch ${batchId}.`
      : `Put ${requeued} failed ${plural(requeued, 'item')} of batch ${batchId} back to work.`,
  );
}

/** Records an item's result by hand (`set-item ITEM_ID --status S ...`). */
export async function setItemCommand(context: CommandContext): Promise<void> {
  const itemId = context.args[0]!;
  const status = parseChoice(
    stringOption(context, 'status')!,
    'status',
    Object.values(ItemStatus),
    context.command,
  );
  const body: Record<string, string> = { status };
  const fields = [
    ['order-number', 'order_number'],
    ['final-order-url', 'final_order_url'],
    ['failure-reason', 'failure_reason'],
  ] as const;
  for (const [option, field] of fields) {
    const value = stringOption(context, option);
    if (value !== undefined) body[field] = value;
  }

  const item = await context.api.requestJson(`/items/${idSegment(itemId)}`, {
    method: 'PUT',
    json: body,
  });
  if (context.json) return context.out.json(item ?? {});
  if (isObject(item) && item.status === ACCEPTED_STATUS) {
    context.out.line(`Sent the update of item ${itemId}; it is not visible in reads yet.`);
    return;
  }

  const summary = summarizeItem(item);
  const lines: [string, string][] = [
    ['Item', summary.id || itemId],
    ['Status', context.out.status(summary.status === 'unknown' ? status : summary.status)],
  ];
  if (summary.orderNumber) lines.push(['Order number', summary.orderNumber]);
  if (summary.finalOrderUrl) lines.push(['Final order URL', summary.finalOrderUrl]);
  if (summary.failureReason) lines.push(['Failure reason', summary.failureReason]);
  for (const line of formatFields(lines)) context.out.line(line);
}
