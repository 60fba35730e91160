import JSZip from 'jszip';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readZipDirectory } from '../src/source/zip-directory';
import { type ImporterFixture, startImporterFixture } from './support/importer-fixture';
import { simpleWorkbook } from './support/workbooks';
import { buildZip } from './support/zip-bytes';

let fixture: ImporterFixture;

beforeAll(async () => {
  fixture = await startImporterFixture({
    IMPORT_MAX_ROWS: '50',
    IMPORT_MAX_FILE_BYTES: String(2 * 1024 * 1024),
    IMPORT_MAX_UNCOMPRESSED_BYTES: String(8 * 1024 * 1024),
    ADDRESS_POLICY_ALLOW_HOSTS: 'localhost',
  });
});

afterAll(async () => {
  await fixture?.close();
});

const BOM = '\uFEFF';

describe('importer with CSV', () => {
  it('reads semicolon CSV with a byte-order mark', async () => {
    const csv = `${BOM}Report of March;;\r\norder_url;amount;customer\r\nhttps://shop.example.com/1;"1.299,00";"Müller; Hans"\r\nhttps://shop.example.com/2;12,5;\r\n;;\r\n`;
    const result = await fixture.importAndWait(
      await fixture.upload(Buffer.from(csv), 'orders.csv'),
    );

    expect(result.created?.data.source.kind).toBe('csv');
    expect(result.created?.data.columns).toEqual(['order_url', 'amount', 'customer']);
    expect(result.items.map((item) => [item.row, item.amount, item.extra])).toEqual([
      [3, '1299.00', { customer: 'Müller; Hans' }],
      [4, '12.50', {}],
    ]);
  });

  it('reads comma CSV without a byte-order mark', async () => {
    const csv =
      'amount,Order Url\n"1,299.50",https://shop.example.com/1\n$5,"https://shop.example.com/2"\n';
    const result = await fixture.importAndWait(await fixture.upload(Buffer.from(csv)));

    expect(result.items.map((item) => [item.row, item.orderUrl, item.amount])).toEqual([
      [2, 'https://shop.example.com/1', '1299.50'],
      [3, 'https://shop.example.com/2', '5.00'],
    ]);
  });

  it('rejects CSV in a Windows code page', async () => {
    const csv = Buffer.from(
      'order_url;amount;name\nhttps://shop.example.com/1;5;M\xfcller\n',
      'latin1',
    );
    const result = await fixture.importAndWait(await fixture.upload(csv, 'orders.csv'));

    expect(result.rejected?.data.code).toBe('UNSUPPORTED_FILE_FORMAT');
    expect(result.rejected?.data.message).toContain('not UTF-8');
    expect(result.rejected?.data.message).toContain('.xlsx');
  });

  it('rejects more rows than the limit', async () => {
    const lines = Array.from({ length: 51 }, (_, i) => `https://shop.example.com/${i},1`);
    const csv = `order_url,amount\n${lines.join('\n')}\n`;
    const result = await fixture.importAndWait(await fixture.upload(Buffer.from(csv)));

    expect(result.rejected?.data.code).toBe('TOO_MANY_ROWS');
    expect(result.rejected?.data.message).toContain('51 rows');
  });
});

describe('importer with JSON', () => {
  it('imports inline items with extra fields', async () => {
    const result = await fixture.importAndWait({
      kind: 'items',
      items: [
        { order_url: 'https://shop.example.com/1', amount: 19.99, sku: 'A-1' },
        { order_url: ' https://shop.example.com/2 ', amount: '20', qty: 2 },
      ],
    });

    expect(result.created?.data.source.kind).toBe('json');
    expect(result.created?.data.columns).toEqual(['order_url', 'amount', 'sku', 'qty']);
    expect(result.items.map((item) => [item.row, item.amount, item.extra])).toEqual([
      [0, '19.99', { sku: 'A-1' }],
      [1, '20.00', { qty: '2' }],
    ]);
  });

  it('lists every invalid item by index', async () => {
    const items = [
      { order_url: 'https://shop.example.com/1', amount: 1.234 },
      { order_url: 'ftp://shop.example.com/2', amount: 2 },
      { order_url: 'http://[::ffff:127.0.0.1]/', amount: 0 },
      { amount: 3 },
      'not an item',
    ];
    const source = await fixture.upload(Buffer.from(JSON.stringify(items)), undefined, 'json');
    const result = await fixture.importAndWait(source);

    expect(result.rejected?.data.code).toBe('IMPORT_REJECTED');
    expect(result.rejected?.data.errorCount).toBe(6);
    expect(
      result.rejected?.data.errors.map((error) => [error.index, error.column, error.problem]),
    ).toEqual([
      [0, 'amount', 'invalid_amount'],
      [1, 'order_url', 'invalid_url'],
      [2, 'order_url', 'blocked_address'],
      [2, 'amount', 'invalid_amount'],
      [3, 'order_url', 'missing_value'],
      [4, undefined, 'missing_value'],
    ]);
    expect(result.rejected?.data.message).toContain('5 of 5 items are invalid');
    expect(result.rejected?.data.errors[2]?.message).toContain('Item 2, column order_url');
  });

  it('applies the address allow-list', async () => {
    const result = await fixture.importAndWait({
      kind: 'items',
      items: [
        { order_url: 'http://localhost:8080/orders/1', amount: 1 },
        { order_url: 'http://127.0.0.1:8080/orders/2', amount: 2 },
      ],
    });

    expect(result.rejected?.data.errors.map((error) => [error.index, error.problem])).toEqual([
      [1, 'blocked_address'],
    ]);
  });

  it('rejects too many inline items', async () => {
    const items = Array.from({ length: 51 }, (_, i) => ({
      order_url: `https://shop.example.com/${i}`,
      amount: 1,
    }));
    const result = await fixture.importAndWait({ kind: 'items', items });

    expect(result.rejected?.data.code).toBe('TOO_MANY_ROWS');
  });

  it('reads a JSON body from the object store', async () => {
    const body = {
      name: 'big',
      task_items: [{ order_url: 'https://shop.example.com/1', amount: '3.10' }],
    };
    const source = await fixture.upload(Buffer.from(JSON.stringify(body)), undefined, 'json');
    const result = await fixture.importAndWait(source);

    expect(result.items.map((item) => item.amount)).toEqual(['3.10']);
  });

  it('rejects a JSON body that does not parse', async () => {
    const source = await fixture.upload(Buffer.from('{"task_items": ['), undefined, 'json');
    const result = await fixture.importAndWait(source);

    expect(result.rejected?.data.errors[0]?.problem).toBe('unreadable_file');
  });
});

describe('importer with other files', () => {
  const cases: Array<[string, Buffer | Promise<Buffer>, string]> = [
    ['empty', Buffer.alloc(0), 'is empty'],
    ['xls', Buffer.from('d0cf11e0a1b11ae1000000000000000000000000', 'hex'), '.xls'],
    ['pdf', Buffer.from('%PDF-1.7\n1 0 obj\n'), 'PDF'],
    ['png', Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), 'PNG image'],
    ['ods', odsFile(), '.ods'],
    ['numbers', numbersFile(), '.numbers'],
    ['truncated xlsx', truncatedWorkbook(), 'truncated'],
    ['corrupt sheet', corruptWorkbook(), 'damaged'],
  ];

  for (const [name, bytes, expected] of cases) {
    it(`rejects ${name} files`, async () => {
      const result = await fixture.importAndWait(
        await fixture.upload(await bytes, `upload.${name}`),
      );

      expect(result.rejected?.data.code).toBe('UNSUPPORTED_FILE_FORMAT');
      expect(result.rejected?.data.message).toContain(expected);
      expect(result.rejected?.data.message).toContain('.xlsx');
    });
  }

  it('rejects a zip bomb from its directory', async () => {
    const bomb = buildZip([
      { name: 'xl/workbook.xml', data: Buffer.from('<workbook/>') },
      { name: 'xl/worksheets/sheet1.xml', data: Buffer.alloc(9 * 1024 * 1024) },
    ]);
    const result = await fixture.importAndWait(await fixture.upload(bomb));

    expect(bomb.length).toBeLessThan(64 * 1024);
    expect(result.rejected?.data.code).toBe('PAYLOAD_TOO_LARGE');
    expect(result.rejected?.data.message).toContain('IMPORT_MAX_UNCOMPRESSED_BYTES');
  });

  it('rejects a zip bomb that understates its size', async () => {
    const bomb = buildZip([
      { name: 'xl/workbook.xml', data: Buffer.from('<workbook/>') },
      {
        name: 'xl/worksheets/sheet1.xml',
        data: Buffer.alloc(9 * 1024 * 1024),
        declaredSize: 1_000,
      },
    ]);
    const result = await fixture.importAndWait(await fixture.upload(bomb));

    expect(result.rejected?.data.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('rejects workbooks with too many rows', async () => {
    const rows = Array.from({ length: 60 }, (_, i): [unknown, unknown] => [
      `https://shop.example.com/${i}`,
      1,
    ]);
    const result = await fixture.importAndWait(await fixture.upload(await simpleWorkbook(rows)));

    expect(result.rejected?.data.code).toBe('TOO_MANY_ROWS');
    expect(result.rejected?.data.message).toContain('60 rows');
  });

  it('rejects files above the size limit', async () => {
    const big = Buffer.alloc(2 * 1024 * 1024 + 1, 0x61);
    const result = await fixture.importAndWait(await fixture.upload(big));

    expect(result.rejected?.data.code).toBe('PAYLOAD_TOO_LARGE');
  });
});

async function odsFile(): Promise<Buffer> {
  const zip = new JSZip();
  zip.file('mimetype', 'application/vnd.oasis.opendocument.spreadsheet');
  zip.file('content.xml', '<office:document-content/>');
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
}

async function numbersFile(): Promise<Buffer> {
  const zip = new JSZip();
  zip.file('Index/Document.iwa', Buffer.alloc(64, 1));
  return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
}

async function truncatedWorkbook(): Promise<Buffer> {
  const file = await simpleWorkbook([['https://shop.example.com/1', 1]]);
  return file.subarray(0, Math.floor(file.length / 2));
}

/** Builds a workbook whose sheet part has its compressed bytes overwritten, like a damaged disk. */
async function corruptWorkbook(): Promise<Buffer> {
  const file = await simpleWorkbook([['https://shop.example.com/1', 1]]);
  const sheet = readZipDirectory(file).find((entry) => entry.name === 'xl/worksheets/sheet1.xml');
  if (!sheet) throw new Error('the workbook has no sheet1.xml');
  const header = sheet.localHeaderOffset;
  const start = header + 30 + file.readUInt16LE(header + 26) + file.readUInt16LE(header + 28);
  file.fill(0xff, start, start + Math.min(sheet.compressedSize, 64));
  return file;
}
