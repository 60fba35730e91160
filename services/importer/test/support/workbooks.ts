import { PassThrough } from 'node:stream';
import ExcelJS from 'exceljs';

/** Writes a workbook built by `build` to an .xlsx buffer. */
export async function buildWorkbook(build: (workbook: ExcelJS.Workbook) => void): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  build(workbook);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

/** Builds a workbook with one sheet of `order_url` and `amount` rows. */
export function simpleWorkbook(rows: Array<[unknown, unknown]>): Promise<Buffer> {
  return buildWorkbook((workbook) => {
    const sheet = workbook.addWorksheet('Orders');
    sheet.addRow(['order_url', 'amount']);
    for (const row of rows) sheet.addRow(row);
  });
}

/**
 * Writes a one-sheet workbook with the exceljs streaming writer and no shared strings, so that
 * text cells are stored inline in the sheet.
 */
export async function buildStreamedWorkbook(
  build: (sheet: ExcelJS.Worksheet) => void,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream, useSharedStrings: false });
  build(workbook.addWorksheet('Orders'));
  await workbook.commit();
  return Buffer.concat(chunks);
}
