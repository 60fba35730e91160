import { deriveItemId } from '@orderflow/contracts';
import JSZip from 'jszip';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ImporterFixture, startImporterFixture } from './support/importer-fixture';
import { buildStreamedWorkbook, buildWorkbook, simpleWorkbook } from './support/workbooks';

let fixture: ImporterFixture;

beforeAll(async () => {
  fixture = await startImporterFixture();
});

afterAll(async () => {
  await fixture?.close();
});

describe('importer with workbooks', () => {
  it('reads hyperlinks, formulas, rich text and text amounts', async () => {
    const file = await buildWorkbook((workbook) => {
      const sheet = workbook.addWorksheet('Orders');
      sheet.addRow(['Order URL', ' AMOUNT ', 'note']);
      sheet.addRow([
        { text: 'Order 1', hyperlink: 'https://shop.example.com/orders/1' },
        12.5,
        'first',
      ]);
      sheet.addRow([
        {
          richText: [
            { text: 'https://shop.example.com/' },
            { text: 'orders/2', font: { bold: true } },
          ],
        },
        { formula: 'B2*2', result: 25 },
        { richText: [{ text: 'rich ' }, { text: 'note', font: { italic: true } }] },
      ]);
      sheet.addRow(['https://shop.example.com/orders/3', '1,299.00', 42]);
      sheet.addRow([
        { formula: 'HYPERLINK("https://shop.example.com/orders/4","Order 4")', result: 'Order 4' },
        '€ 7,25',
        null,
      ]);
    });
    const result = await fixture.importAndWait(await fixture.upload(file, 'orders.xlsx'));

    expect(result.rejected?.data).toBeUndefined();
    expect(result.created?.data.itemCount).toBe(4);
    expect(result.created?.data.source).toEqual({
      kind: 'xlsx',
      fileName: 'orders.xlsx',
      sheet: 'Orders',
    });
    expect(result.created?.data.columns).toEqual(['Order URL', 'AMOUNT', 'note']);
    expect(result.items.map((item) => item.orderUrl)).toEqual([
      'https://shop.example.com/orders/1',
      'https://shop.example.com/orders/2',
      'https://shop.example.com/orders/3',
      'https://shop.example.com/orders/4',
    ]);
    expect(result.items.map((item) => item.amount)).toEqual(['12.50', '25.00', '1299.00', '7.25']);
    expect(result.items.map((item) => item.row)).toEqual([2, 3, 4, 5]);
    expect(result.items.map((item) => item.extra)).toEqual([
      { note: 'first' },
      { note: 'rich note' },
      { note: '42' },
      {},
    ]);
    expect(result.items[0]?.itemId).toBe(deriveItemId(result.created?.batchId ?? '', 0));
  });

  it('finds the header below a title on the second sheet', async () => {
    const file = await buildWorkbook((workbook) => {
      workbook.addWorksheet('Cover').addRow(['This workbook lists the orders of March']);
      const sheet = workbook.addWorksheet('Data');
      sheet.addRow(['Orders of March']);
      sheet.addRow([]);
      sheet.addRow(['amount', 'ORDER_URL']);
      sheet.addRow([3, 'https://shop.example.com/a']);
      const styled = sheet.getRow(5);
      styled.getCell(1).fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFFF0000' } };
      styled.getCell(2).numFmt = '0.00';
      sheet.addRow([4, 'https://shop.example.com/b']);
    });
    const result = await fixture.importAndWait(await fixture.upload(file));

    expect(result.created?.data.source.sheet).toBe('Data');
    expect(result.items.map((item) => [item.row, item.amount])).toEqual([
      [4, '3.00'],
      [6, '4.00'],
    ]);
  });

  it('rejects formulas without a saved result', async () => {
    const file = await buildWorkbook((workbook) => {
      const sheet = workbook.addWorksheet('Orders');
      sheet.addRow(['order_url', 'amount']);
      sheet.addRow(['https://shop.example.com/1', { formula: 'SUM(C1:C9)' }]);
    });
    const result = await fixture.importAndWait(await fixture.upload(file));

    expect(result.rejected?.data.code).toBe('IMPORT_REJECTED');
    expect(result.rejected?.data.errors).toEqual([
      expect.objectContaining({ row: 2, column: 'amount', problem: 'formula_without_result' }),
    ]);
  });

  it('rejects date-formatted and ambiguous amounts', async () => {
    const file = await buildWorkbook((workbook) => {
      const sheet = workbook.addWorksheet('Orders');
      sheet.addRow(['order_url', 'amount']);
      sheet.addRow(['https://shop.example.com/1', new Date(Date.UTC(2024, 2, 1))]);
      sheet.addRow(['https://shop.example.com/2', '1,299']);
      sheet.addRow(['https://shop.example.com/3', 'twelve']);
    });
    const result = await fixture.importAndWait(await fixture.upload(file));

    const errors = result.rejected?.data.errors ?? [];
    expect(errors.map((error) => [error.row, error.problem])).toEqual([
      [2, 'invalid_amount'],
      [3, 'invalid_amount'],
      [4, 'invalid_amount'],
    ]);
    expect(errors[0]?.message).toContain('formatted as a date');
    expect(errors[1]?.message).toContain('ambiguous');
    expect(errors[1]?.value).toBe('1,299');
  });

  it('reads date formats from the styles part', async () => {
    const file = await buildWorkbook((workbook) => {
      const sheet = workbook.addWorksheet('Orders');
      sheet.addRow(['order_url', 'amount', 'ordered on', 'price']);
      const row = sheet.addRow([
        'https://shop.example.com/1',
        45_352,
        45_352,
        { formula: 'B2', result: 45_352 },
      ]);
      row.getCell(2).numFmt = 'dd.mm.yyyy';
      row.getCell(3).numFmt = 'dd.mm.yyyy';
      row.getCell(4).numFmt = '#,##0.00 "EUR"';
      const formula = sheet.addRow([
        'https://shop.example.com/2',
        { formula: 'C2', result: 45_352 },
        null,
        9.5,
      ]);
      formula.getCell(2).numFmt = 'yyyy-mm-dd';
      sheet.addRow(['https://shop.example.com/3', 45_352]).getCell(2).numFmt = '#,##0.00 "EUR"';
    });
    const result = await fixture.importAndWait(await fixture.upload(file), { skipInvalid: true });

    expect(result.created?.data.skippedRows.map((error) => [error.row, error.problem])).toEqual([
      [2, 'invalid_amount'],
      [3, 'invalid_amount'],
    ]);
    expect(result.created?.data.skippedRows[0]?.message).toContain('formatted as a date');
    expect(result.items.map((item) => item.amount)).toEqual(['45352.00']);
  });

  it('keeps dates of extra columns as ISO dates', async () => {
    const file = await buildWorkbook((workbook) => {
      const sheet = workbook.addWorksheet('Orders');
      sheet.addRow(['order_url', 'amount', 'ordered on', 'paid']);
      const row = sheet.addRow(['https://shop.example.com/1', 12, 45_352, true]);
      row.getCell(3).numFmt = 'dd.mm.yyyy';
    });
    const result = await fixture.importAndWait(await fixture.upload(file));

    expect(result.items[0]?.extra).toEqual({ 'ordered on': '2024-03-01', paid: 'TRUE' });
  });

  it('reads sheets stored after the shared strings', async () => {
    const original = await buildWorkbook((workbook) => {
      const sheet = workbook.addWorksheet('Orders');
      sheet.addRow(['order_url', 'amount']);
      sheet.addRow([{ text: 'first', hyperlink: 'https://shop.example.com/linked/1' }, 1]);
      sheet.addRow(['https://shop.example.com/plain/2', 2]);
      sheet.addRow([{ text: 'third', hyperlink: 'https://shop.example.com/linked/3' }, 3]);
    });
    const file = await reorderParts(original, [
      'xl/workbook.xml',
      'xl/_rels/workbook.xml.rels',
      'xl/sharedStrings.xml',
      'xl/styles.xml',
      'xl/worksheets/sheet1.xml',
      'xl/worksheets/_rels/sheet1.xml.rels',
    ]);
    const result = await fixture.importAndWait(await fixture.upload(file));

    expect(result.items.map((item) => item.orderUrl)).toEqual([
      'https://shop.example.com/linked/1',
      'https://shop.example.com/plain/2',
      'https://shop.example.com/linked/3',
    ]);
  });

  it('skips hidden sheets', async () => {
    const file = await buildWorkbook((workbook) => {
      const hidden = workbook.addWorksheet('Lookup', { state: 'hidden' });
      hidden.addRow(['order_url', 'amount']);
      hidden.addRow(['https://shop.example.com/hidden', 1]);
      const visible = workbook.addWorksheet('Orders');
      visible.addRow(['order_url', 'amount']);
      visible.addRow(['https://shop.example.com/visible', 2]);
    });
    const result = await fixture.importAndWait(await fixture.upload(file));

    expect(result.created?.data.source.sheet).toBe('Orders');
    expect(result.items.map((item) => item.orderUrl)).toEqual(['https://shop.example.com/visible']);
  });

  it('rejects cells above the length limit', async () => {
    const file = await simpleWorkbook([[`https://shop.example.com/${'a'.repeat(5_000)}`, 1]]);
    const result = await fixture.importAndWait(await fixture.upload(file));

    expect(result.rejected?.data.errors).toEqual([
      expect.objectContaining({ row: 2, column: 'order_url', problem: 'cell_too_long' }),
    ]);
    expect(result.rejected?.data.errors[0]?.value?.length).toBeLessThanOrEqual(80);
  });

  it('reads inline strings and plain string cells', async () => {
    const file = await buildStreamedWorkbook((sheet) => {
      sheet.addRow(['order_url', 'amount']).commit();
      sheet.addRow([{ richText: [{ text: 'https://shop.example.com/inline' }] }, '5']).commit();
      sheet.addRow(['https://shop.example.com/plain', { richText: [{ text: '6.5' }] }]).commit();
    });
    const sheetXml = await (await JSZip.loadAsync(file))
      .file('xl/worksheets/sheet1.xml')
      ?.async('string');
    expect(sheetXml).toContain('t="inlineStr"');

    const result = await fixture.importAndWait(await fixture.upload(file));

    expect(result.items.map((item) => [item.orderUrl, item.amount])).toEqual([
      ['https://shop.example.com/inline', '5.00'],
      ['https://shop.example.com/plain', '6.50'],
    ]);
  });

  it('rejects a workbook without the required columns', async () => {
    const file = await buildWorkbook((workbook) => {
      const sheet = workbook.addWorksheet('Orders');
      sheet.addRow(['url', 'amount']);
      sheet.addRow(['https://shop.example.com/1', 5]);
    });
    const result = await fixture.importAndWait(await fixture.upload(file));

    expect(result.rejected?.data.errors).toEqual([
      expect.objectContaining({ row: 1, column: 'order_url', problem: 'missing_column' }),
    ]);
    expect(result.rejected?.data.message).toContain('url, amount');
    expect(result.rejected?.data.message).toContain('has the column order_url:');
  });

  it('names both missing columns in the plural', async () => {
    const file = await buildWorkbook((workbook) => {
      const sheet = workbook.addWorksheet('Orders');
      sheet.addRow(['link', 'price']);
      sheet.addRow(['https://shop.example.com/1', 5]);
    });
    const result = await fixture.importAndWait(await fixture.upload(file));

    expect(result.rejected?.data.message).toContain('has the columns order_url and amount:');
  });

  it('rejects a header without data rows', async () => {
    const result = await fixture.importAndWait(await fixture.upload(await simpleWorkbook([])));

    expect(result.rejected?.data.code).toBe('IMPORT_REJECTED');
    expect(result.rejected?.data.message).toContain('no rows below its header');
  });

  it('names both rows of a duplicate link', async () => {
    const file = await simpleWorkbook([
      ['https://shop.example.com/1', 1],
      ['https://shop.example.com/2', 2],
      ['https://SHOP.example.com/1', 3],
    ]);
    const result = await fixture.importAndWait(await fixture.upload(file));

    expect(result.rejected?.data.errors).toEqual([
      expect.objectContaining({ row: 4, column: 'order_url', problem: 'duplicate' }),
    ]);
    expect(result.rejected?.data.errors[0]?.message).toContain('repeats row 2');
  });

  it('imports duplicates when allowed', async () => {
    const file = await simpleWorkbook([
      ['https://shop.example.com/1', 1],
      ['https://shop.example.com/1', 1],
    ]);
    const result = await fixture.importAndWait(await fixture.upload(file), {
      allowDuplicates: true,
    });

    expect(result.created?.data.itemCount).toBe(2);
  });

  it('skips invalid rows when asked', async () => {
    const file = await simpleWorkbook([
      ['https://shop.example.com/1', 1],
      ['http://169.254.169.254/latest/meta-data', 2],
      ['not a link', 3],
      ['https://shop.example.com/4', -4],
      ['https://shop.example.com/5', 5],
    ]);
    const result = await fixture.importAndWait(await fixture.upload(file), { skipInvalid: true });

    expect(result.created?.data.itemCount).toBe(2);
    expect(result.created?.data.skippedCount).toBe(3);
    expect(result.created?.data.skippedRows.map((error) => [error.row, error.problem])).toEqual([
      [3, 'blocked_address'],
      [4, 'invalid_url'],
      [5, 'invalid_amount'],
    ]);
    expect(result.items.map((item) => [item.index, item.row])).toEqual([
      [0, 2],
      [1, 6],
    ]);
  });
});

describe('importer with unusual archive layouts', () => {
  const linkedWorkbook = () =>
    buildWorkbook((workbook) => {
      const sheet = workbook.addWorksheet('Orders');
      sheet.addRow(['order_url', 'amount']);
      sheet.addRow([{ text: 'first', hyperlink: 'https://shop.example.com/linked/1' }, 1]);
      sheet.addRow(['https://shop.example.com/plain/2', 2]);
    });

  it('reads a sheet before the workbook part', async () => {
    // exceljs 4.4 parses such a sheet at once, before it has read the list of sheets.
    const file = await reorderParts(await linkedWorkbook(), [
      'xl/_rels/workbook.xml.rels',
      'xl/sharedStrings.xml',
      'xl/worksheets/_rels/sheet1.xml.rels',
      'xl/worksheets/sheet1.xml',
      'xl/workbook.xml',
    ]);
    const result = await fixture.importAndWait(await fixture.upload(file));

    expect(result.rejected?.data).toBeUndefined();
    expect(result.items.map((item) => item.orderUrl)).toEqual([
      'https://shop.example.com/linked/1',
      'https://shop.example.com/plain/2',
    ]);
  });

  it('takes the first sheet in tab order', async () => {
    const original = await buildWorkbook((workbook) => {
      for (const name of ['First', 'Second']) {
        const sheet = workbook.addWorksheet(name);
        sheet.addRow(['order_url', 'amount']);
        sheet.addRow([`https://shop.example.com/${name}`, 1]);
      }
    });
    const file = await reorderParts(original, ['xl/worksheets/sheet2.xml']);
    const result = await fixture.importAndWait(await fixture.upload(file));

    expect(result.created?.data.source.sheet).toBe('First');
    expect(result.items.map((item) => item.orderUrl)).toEqual(['https://shop.example.com/First']);
  });

  it('follows links to sheets of any name', async () => {
    const zip = await JSZip.loadAsync(await linkedWorkbook());
    const move = async (from: string, to: string) => {
      zip.file(to, await zip.file(from)!.async('nodebuffer'));
      zip.remove(from);
    };
    await move('xl/worksheets/sheet1.xml', 'xl/worksheets/orders.xml');
    await move('xl/worksheets/_rels/sheet1.xml.rels', 'xl/worksheets/_rels/orders.xml.rels');
    await relinkFirstSheet(zip, '/xl/worksheets/orders.xml');
    const file = await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
    const result = await fixture.importAndWait(await fixture.upload(file));

    expect(result.created?.data.source.sheet).toBe('Orders');
    expect(result.items.map((item) => item.orderUrl)).toEqual([
      'https://shop.example.com/linked/1',
      'https://shop.example.com/plain/2',
    ]);
  });

  it('finds sheet parts whatever the case of the link', async () => {
    const zip = await JSZip.loadAsync(await linkedWorkbook());
    await relinkFirstSheet(zip, 'Worksheets/Sheet1.xml');
    const file = await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
    const result = await fixture.importAndWait(await fixture.upload(file));

    expect(result.created?.data.source.sheet).toBe('Orders');
    expect(result.items.map((item) => item.orderUrl)[0]).toBe('https://shop.example.com/linked/1');
  });

  it.each([
    [
      'xl/worksheets/sheet1.xml',
      'the sheet "Orders" refers to the part xl/worksheets/sheet1.xml, which is missing',
    ],
    ['xl/sharedStrings.xml', 'the shared strings part xl/sharedStrings.xml is missing'],
  ])('rejects a workbook without %s', async (part, message) => {
    const zip = await JSZip.loadAsync(await linkedWorkbook());
    zip.remove(part);
    const file = await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
    const result = await fixture.importAndWait(await fixture.upload(file));

    expect(result.rejected?.data.code).toBe('UNSUPPORTED_FILE_FORMAT');
    expect(result.rejected?.data.message).toContain(message);
  });

  it('names a hidden sheet with the data', async () => {
    const file = await buildWorkbook((workbook) => {
      workbook.addWorksheet('Notes').addRow(['Orders of March, see the other sheet']);
      const hidden = workbook.addWorksheet('Data', { state: 'hidden' });
      hidden.addRow(['Order URL', 'Amount']);
      hidden.addRow(['https://shop.example.com/1', 1]);
    });
    const result = await fixture.importAndWait(await fixture.upload(file));

    expect(result.rejected?.data.code).toBe('IMPORT_REJECTED');
    expect(result.rejected?.data.message).toBe(
      'The columns order_url and amount are on the hidden sheet "Data", and hidden sheets are ' +
        'not read. Unhide the sheet, or copy its rows to a visible sheet, and upload the file again',
    );
  });

  it.each(['1', 'true'])('counts dates from 1904 with date1904="%s"', async (flag) => {
    const zip = await JSZip.loadAsync(
      await buildWorkbook((workbook) => {
        workbook.properties.date1904 = true;
        const sheet = workbook.addWorksheet('Orders');
        sheet.addRow(['order_url', 'amount', 'ordered on']);
        sheet.addRow(['https://shop.example.com/1', 12, 45_352]).getCell(3).numFmt = 'dd.mm.yyyy';
      }),
    );
    const workbookXml = await zip.file('xl/workbook.xml')!.async('string');
    expect(workbookXml).toContain('date1904="1"');
    zip.file('xl/workbook.xml', workbookXml.replace('date1904="1"', `date1904="${flag}"`));
    const file = await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
    const result = await fixture.importAndWait(await fixture.upload(file));

    // Serial 45352 is 2024-03-01 counted from 1900 and 1,462 days later counted from 1904.
    expect(result.items[0]?.extra).toEqual({ 'ordered on': '2028-03-02' });
  });

  it('keeps characters split across chunks', async () => {
    // Two- and three-byte characters in parts much larger than one 16 KiB inflate chunk.
    const notes = Array.from({ length: 3_000 }, (_, i) => `Zürich € ключ № ${i}`);
    const file = await buildWorkbook((workbook) => {
      const sheet = workbook.addWorksheet('Orders');
      sheet.addRow(['order_url', 'amount', 'note']);
      for (const [i, note] of notes.entries()) {
        sheet.addRow([`https://shop.example.com/${i}`, 1, note]);
      }
    });
    const result = await fixture.importAndWait(await fixture.upload(file));

    expect(result.items.map((item) => item.extra.note)).toEqual(notes);
  });
});

/** Points the workbook's link to its first sheet at `target`. */
async function relinkFirstSheet(zip: JSZip, target: string): Promise<void> {
  const rels = await zip.file('xl/_rels/workbook.xml.rels')!.async('string');
  expect(rels).toContain('Target="worksheets/sheet1.xml"');
  zip.file(
    'xl/_rels/workbook.xml.rels',
    rels.replace('Target="worksheets/sheet1.xml"', `Target="${target}"`),
  );
}

/** Rewrites a workbook with the named parts first, in that order, and the others after them. */
async function reorderParts(file: Buffer, first: string[]): Promise<Buffer> {
  const source = await JSZip.loadAsync(file);
  const names = Object.keys(source.files).filter((name) => !source.files[name]?.dir);
  expect(names).toEqual(expect.arrayContaining(first));
  const target = new JSZip();
  for (const name of [...first, ...names.filter((name) => !first.includes(name))]) {
    target.file(name, await source.file(name)!.async('nodebuffer'));
  }
  return target.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
}
