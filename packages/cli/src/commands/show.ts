import { BatchStatus, ItemStatus } from '@orderflow/contracts';
import { isObject } from '../batch-summary';
import { type CommandContext, flagOption, idSegment, stringOption } from '../command-context';
import { readPage } from '../paging';
import { parseChoice, parsePositiveInt } from '../parse-args';
import { renderBatchFields, renderBatchTable, renderItemTable } from '../render';

/** Items requested per page when the CLI reads every item of a batch. */
export const ITEMS_PAGE_SIZE = 1_000;

/** Reads every item of a batch, optionally of one status, page by page. */
export async function fetchAllItems(
  context: CommandContext,
  batchId: string,
  status?: string,
): Promise<unknown[]> {
  const items: unknown[] = [];
  for (;;) {
    const body = await context.api.requestJson(`/${idSegment(batchId)}/items`, {
      query: { status, skip: items.length, limit: ITEMS_PAGE_SIZE },
    });
    const page = readPage(body);
    items.push(...page.rows);

    const reachedEnd =
      page.hasMore === false ||
      (page.total !== undefined && items.length >= page.total) ||
      page.rows.length < ITEMS_PAGE_SIZE;
    if (reachedEnd || page.rows.length === 0) return items;
  }
}

/** Prints a batch with its counts and first items, or its failed items (`status ID [--failed]`). */
export async function statusCommand(context: CommandContext): Promise<void> {
  const batchId = context.args[0]!;
  const { out } = context;

  if (flagOption(context, 'failed')) {
    const failed = await fetchAllItems(context, batchId, ItemStatus.Failed);
    if (context.json) return out.json(failed);
    if (failed.length === 0) return out.line(`Batch ${batchId} has no failed items.`);
    for (const line of renderItemTable(failed, out, 'failures', context.api)) out.line(line);
    return;
  }

  const batch = await context.api.requestJson(`/${idSegment(batchId)}`);
  if (context.json) return out.json(batch);
  for (const line of renderBatchFields(batch, out)) out.line(line);

  // The detail carries the first page of items; `items ID` pages through all of them.
  const firstPage = readPage(
    isObject(batch) ? { items: batch.task_items, page: batch.task_items_page } : {},
  );
  if (firstPage.rows.length === 0) return;
  out.line();
  for (const line of renderItemTable(firstPage.rows, out, 'results', context.api)) out.line(line);
  if (firstPage.hasMore === true || (firstPage.total ?? 0) > firstPage.rows.length) {
    out.line();
    out.line(
      `First ${firstPage.rows.length} of ${firstPage.total ?? 'more'} items; ` +
        `list all with: orderflow items ${batchId}`,
    );
  }
}

/** Prints batches as a table (`list [--status S] [--limit N]`). */
export async function listCommand(context: CommandContext): Promise<void> {
  const statusValue = stringOption(context, 'status');
  const limitValue = stringOption(context, 'limit');
  const status =
    statusValue === undefined
      ? undefined
      : parseChoice(statusValue, 'status', Object.values(BatchStatus), context.command);
  const limit =
    limitValue === undefined ? undefined : parsePositiveInt(limitValue, 'limit', context.command);

  const response = await context.api.request('/', { query: { status, limit } });
  const body = await context.api.readJson(response);
  if (context.json) return context.out.json(body);

  const { rows } = readPage(body);
  if (rows.length === 0) return context.out.line('No batches.');
  for (const line of renderBatchTable(rows, context.out)) context.out.line(line);

  // The gateway reports the number of matching batches in a header, beyond the page it sends.
  const total = Number(response.headers.get('x-total-count'));
  if (Number.isInteger(total) && total > rows.length) {
    context.out.line();
    context.out.line(`Newest ${rows.length} of ${total} batches; show more with --limit.`);
  }
}

/** Prints every item of a batch, or those of one status, as a table (`items ID [--status S]`). */
export async function itemsCommand(context: CommandContext): Promise<void> {
  const statusValue = stringOption(context, 'status');
  const status =
    statusValue === undefined
      ? undefined
      : parseChoice(statusValue, 'status', Object.values(ItemStatus), context.command);

  const items = await fetchAllItems(context, context.args[0]!, status);
  if (context.json) return context.out.json(items);
  if (items.length === 0) return context.out.line('No items.');
  for (const line of renderItemTable(items, context.out, 'results', context.api)) {
    context.out.line(line);
  }
}
