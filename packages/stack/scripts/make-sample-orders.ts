// Writes examples/orders.xlsx and examples/orders.expected.json: the demo's sample batch of 50
// orders against the demo shop on 127.0.0.1:8900, with the outcome the demo must reach.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ExcelJS from 'exceljs';

const SHOP = 'http://127.0.0.1:8900';
const CUSTOMERS = ['Acme GmbH', 'Bluebird Ltd', 'Cordoba SA', 'Delta Foods', 'Evergreen Inc'];

interface SampleRow {
  orderId: string;
  amount: string;
  expected: { status: 'success' | 'failed'; code?: string };
  note: string;
}

function row(orderId: string, amount: string, expected: SampleRow['expected'], note: string) {
  return { orderId, amount, expected, note };
}

const rows: SampleRow[] = [];
for (let index = 1; index <= 38; index++) {
  const amount = (9.5 + index * 3.25).toFixed(2);
  rows.push(row(`A${1000 + index}`, amount, { status: 'success' }, 'regular order'));
}
rows.push(row('slow-2001', '48.00', { status: 'success' }, 'page renders slowly'));
rows.push(row('chain-2002', '12.30', { status: 'success' }, 'link redirects three times'));
rows.push(row('dialog-2003', '99.99', { status: 'success' }, 'confirmation dialog'));
rows.push(row('slow-2004', '15.00', { status: 'success' }, 'page renders slowly'));
rows.push(row('flaky-2005', '61.20', { status: 'success' }, 'fails once, works on retry'));
rows.push(row('flaky-2006', '7.45', { status: 'success' }, 'fails once, works on retry'));
rows.push(
  row('mismatch-3001', '120.00', { status: 'failed', code: 'AMOUNT_MISMATCH' }, 'amount differs'),
);
rows.push(
  row('mismatch-3002', '35.50', { status: 'failed', code: 'AMOUNT_MISMATCH' }, 'amount differs'),
);
rows.push(
  row('mismatch-3003', '1299.00', { status: 'failed', code: 'AMOUNT_MISMATCH' }, 'amount differs'),
);
rows.push(
  row(
    'missing-4001',
    '20.00',
    { status: 'failed', code: 'PAGE_CLIENT_ERROR' },
    'order does not exist',
  ),
);
rows.push(
  row('hang-5001', '42.00', { status: 'failed', code: 'ATTEMPT_TIMED_OUT' }, 'page never answers'),
);
rows.push(
  row(
    'error-6001',
    '18.75',
    { status: 'failed', code: 'PAGE_SERVER_ERROR' },
    'site answers HTTP 500',
  ),
);

const workbook = new ExcelJS.Workbook();
workbook.creator = 'Orderflow';
const sheet = workbook.addWorksheet('Orders');
sheet.addRow(['March orders for the demo shop']);
sheet.addRow([]);
sheet.addRow(['Customer', 'Order URL', 'Amount', 'Note']);
rows.forEach((sample, index) => {
  const url = `${SHOP}/orders/${sample.orderId}?amount=${sample.amount}`;
  const added = sheet.addRow([
    CUSTOMERS[index % CUSTOMERS.length],
    { text: `Order ${sample.orderId}`, hyperlink: url },
    Number(sample.amount),
    sample.note,
  ]);
  added.getCell(3).numFmt = '"€"#,##0.00';
});
sheet.getColumn(1).width = 16;
sheet.getColumn(2).width = 24;
sheet.getColumn(4).width = 28;

const examples = fileURLToPath(new URL('../../../examples/', import.meta.url));
await workbook.xlsx.writeFile(`${examples}orders.xlsx`);

const count = (status: string) => rows.filter((sample) => sample.expected.status === status).length;
const expected = {
  total: rows.length,
  success: count('success'),
  failed: count('failed'),
  skipped: 0,
  failures: rows
    .filter((sample) => sample.expected.status === 'failed')
    .map((sample) => ({ orderId: sample.orderId, code: sample.expected.code })),
};
writeFileSync(`${examples}orders.expected.json`, `${JSON.stringify(expected, null, 2)}\n`);
process.stdout.write(`wrote ${rows.length} rows to ${examples}orders.xlsx\n`);
