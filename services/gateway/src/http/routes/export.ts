import { once } from 'node:events';
import { PassThrough, Readable } from 'node:stream';
import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import ExcelJS from 'exceljs';
import type { ReadModelDb } from '../../db/database';
import type { BatchRow } from '../../db/schema';
import { exportHeader, exportRow, readItemPages } from '../../read-model/export-rows';
import { findBatch } from '../../read-model/queries';
import type { AppEnv, GatewayServices } from '../context';
import { batchIdParam, errorResponses } from '../schemas';
import { batchNotFound } from './batch-reads';

const exportQuery = z.object({ format: z.enum(['xlsx', 'csv']).default('xlsx') });

const CONTENT_TYPES = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
} as const;

/** Registers `GET /{id}/export`: the original rows with their results, streamed. */
export function registerExport(app: OpenAPIHono<AppEnv>, services: GatewayServices): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/{batch_task_id}/export',
      summary: 'Export the rows with their results as Excel or CSV',
      tags: ['batches'],
      request: { params: batchIdParam, query: exportQuery },
      responses: {
        200: {
          description: 'The file; rows in import order.',
          content: {
            [CONTENT_TYPES.xlsx]: { schema: z.any().openapi({ type: 'string', format: 'binary' }) },
            [CONTENT_TYPES.csv]: { schema: z.string() },
          },
        },
        ...errorResponses(404, 422),
      },
    }),
    async (c) => {
      const { batch_task_id: batchId } = c.req.valid('param');
      const { format } = c.req.valid('query');
      const batch = await findBatch(services.db, batchId);
      if (!batch) throw batchNotFound(batchId);

      const body =
        format === 'csv' ? csvStream(services.db, batch) : xlsxStream(services.db, batch);
      const log = c.get('log');
      body.on('error', (error) => log.error({ err: error, batchId }, 'export failed midway'));
      return new Response(Readable.toWeb(body) as ReadableStream, {
        status: 200,
        headers: {
          'Content-Type': CONTENT_TYPES[format],
          'Content-Disposition': `attachment; filename="batch-${batchId}.${format}"`,
          'X-Request-Id': c.get('requestId'),
        },
      });
    },
  );
}

/** Quotes a CSV field; a leading =, +, - or @ gets a ' so spreadsheets do not run it as a formula. */
export function csvField(value: string | number): string {
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function csvStream(db: ReadModelDb, batch: BatchRow): Readable {
  async function* lines() {
    yield `${exportHeader(batch).map(csvField).join(',')}\r\n`;
    for await (const page of readItemPages(db, batch.id)) {
      yield page.map((item) => `${exportRow(batch, item).map(csvField).join(',')}\r\n`).join('');
    }
  }
  return Readable.from(lines());
}

function xlsxStream(db: ReadModelDb, batch: BatchRow): PassThrough {
  const output = new PassThrough();
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    stream: output,
    useStyles: false,
    useSharedStrings: false,
  });
  const sheet = workbook.addWorksheet('results');
  void (async () => {
    sheet.addRow(exportHeader(batch)).commit();
    for await (const page of readItemPages(db, batch.id)) {
      for (const item of page) sheet.addRow(exportRow(batch, item)).commit();
      if (output.writableNeedDrain) await once(output, 'drain');
    }
    sheet.commit();
    await workbook.commit();
  })().catch((error: unknown) => output.destroy(error as Error));
  return output;
}
