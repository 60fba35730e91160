import { type BatchSummary, displayStatus, progressPercent, summarizeBatch } from './batch-summary';
import { type ItemSummary, summarizeItem } from './item-summary';
import type { Output } from './output';
import { ASCII_BAR, BLOCK_BAR, renderBar } from './progress-bar';
import { type Column, formatFields, formatTable } from './table';

const MAX_NAME_CHARS = 40;
const MAX_URL_CHARS = 50;
const MAX_REASON_CHARS = 60;

function formatCounts(summary: BatchSummary): string {
  return Object.entries(summary.counts)
    .map(([status, count]) => `${status} ${count}`)
    .join('  ');
}

/** Formats the summary of one batch as label and value lines. */
export function renderBatchFields(batch: unknown, out: Output): string[] {
  const summary = summarizeBatch(batch);
  const bar = renderBar(
    summary.doneItems,
    summary.totalItems,
    30,
    out.color ? BLOCK_BAR : ASCII_BAR,
  );
  const done = `${summary.doneItems}/${summary.totalItems} items done`;
  const progress = `${bar} ${progressPercent(summary)}%  ${done}`;
  const fields: [string, string][] = [
    ['Batch', summary.id],
    ['Name', summary.name],
  ];
  if (summary.description) fields.push(['Description', summary.description]);
  fields.push(
    ['Status', out.status(displayStatus(summary))],
    ['Progress', progress],
    ['Items', formatCounts(summary)],
  );
  if (summary.createdAt) fields.push(['Created', summary.createdAt]);
  if (summary.updatedAt) fields.push(['Updated', summary.updatedAt]);
  return formatFields(fields);
}

/** Formats batches as a table, one line each. */
export function renderBatchTable(batches: readonly unknown[], out: Output): string[] {
  const columns: Column<BatchSummary>[] = [
    { header: 'ID', value: (batch) => batch.id },
    { header: 'NAME', value: (batch) => batch.name, maxWidth: MAX_NAME_CHARS },
    {
      header: 'STATUS',
      value: (batch) => displayStatus(batch),
      style: (text) => out.status(text),
    },
    { header: 'DONE', value: (batch) => `${progressPercent(batch)}%`, align: 'right' },
    { header: 'ITEMS', value: (batch) => batch.totalItems, align: 'right' },
    { header: 'SUCCESS', value: (batch) => batch.counts.success, align: 'right' },
    { header: 'FAILED', value: (batch) => batch.counts.failed, align: 'right' },
    { header: 'CREATED', value: (batch) => batch.createdAt },
  ];
  return formatTable(columns, batches.map(summarizeBatch));
}

/** Turns a link of a response, which may be a path on the gateway, into an absolute URL. */
export interface LinkResolver {
  absoluteUrl(link: string): string;
}

/** Formats items as a table: the result columns, or the failure columns with `failures`. */
export function renderItemTable(
  items: readonly unknown[],
  out: Output,
  view: 'results' | 'failures',
  links: LinkResolver,
): string[] {
  const leading: Column<ItemSummary>[] = [
    { header: 'ROW', value: (item) => item.row, align: 'right' },
    { header: 'ITEM', value: (item) => item.id },
    { header: 'STATUS', value: (item) => item.status, style: (text) => out.status(text) },
    { header: 'ATTEMPTS', value: (item) => item.attempts, align: 'right' },
  ];
  const results: Column<ItemSummary>[] = [
    { header: 'AMOUNT', value: (item) => item.amount, align: 'right' },
    { header: 'ORDER URL', value: (item) => item.orderUrl, maxWidth: MAX_URL_CHARS },
    { header: 'ORDER NUMBER', value: (item) => item.orderNumber },
    { header: 'FAILURE', value: (item) => item.failureReason, maxWidth: MAX_REASON_CHARS },
  ];
  // A failure list is read to act on each row, so it shows reasons and links in full.
  const failures: Column<ItemSummary>[] = [
    { header: 'CODE', value: (item) => item.errorCode },
    { header: 'ORDER URL', value: (item) => item.orderUrl },
    { header: 'REASON', value: (item) => item.failureReason },
    {
      header: 'SCREENSHOT',
      value: (item) => item.screenshotUrl && links.absoluteUrl(item.screenshotUrl),
    },
  ];
  const columns = [...leading, ...(view === 'results' ? results : failures)];
  return formatTable(columns, items.map(summarizeItem));
}
