/** One column of a table. */
export interface Column<Row> {
  header: string;
  /** Text of the cell; undefined and null show as an empty cell. */
  value(row: Row): string | number | null | undefined;
  align?: 'left' | 'right';
  /** Maximum cell text length in characters; longer text is cut and ends with an ellipsis. */
  maxWidth?: number;
  /** Decorates the cell text after it is cut, such as with a colour, without changing its width. */
  style?(text: string, row: Row): string;
}

const GAP = '  ';
const ELLIPSIS = '…';

/** Cuts text to `maxWidth` characters, ending with an ellipsis when it was cut. */
export function truncate(text: string, maxWidth: number): string {
  if (text.length <= maxWidth) return text;
  return maxWidth <= 1 ? text.slice(0, maxWidth) : `${text.slice(0, maxWidth - 1)}${ELLIPSIS}`;
}

function cellText<Row>(column: Column<Row>, row: Row): string {
  const value = column.value(row);
  const text = value === undefined || value === null ? '' : String(value).replace(/\s+/g, ' ');
  return column.maxWidth === undefined ? text : truncate(text, column.maxWidth);
}

function pad(text: string, width: number, align: 'left' | 'right'): string {
  const fill = ' '.repeat(Math.max(0, width - text.length));
  return align === 'right' ? `${fill}${text}` : `${text}${fill}`;
}

/**
 * Formats rows as lines of plain text with a header line and columns aligned by padding, two
 * spaces apart. The last column is not padded, so lines carry no trailing spaces.
 */
export function formatTable<Row>(columns: readonly Column<Row>[], rows: readonly Row[]): string[] {
  const cells = rows.map((row) => columns.map((column) => cellText(column, row)));
  const widths = columns.map((column, index) =>
    Math.max(column.header.length, ...cells.map((rowCells) => rowCells[index]!.length)),
  );

  const formatLine = (texts: string[], row?: Row) =>
    texts
      .map((text, index) => {
        const column = columns[index]!;
        const align = column.align ?? 'left';
        const isLast = index === columns.length - 1;
        const padded = isLast && align === 'left' ? text : pad(text, widths[index]!, align);
        if (row === undefined || !column.style || text === '') return padded;
        return padded.replace(text, column.style(text, row));
      })
      .join(GAP)
      .trimEnd();

  const header = formatLine(columns.map((column) => column.header));
  return [header, ...cells.map((rowCells, index) => formatLine(rowCells, rows[index]))];
}

/** Formats label and value pairs as two aligned columns, such as the summary of one batch. */
export function formatFields(fields: readonly (readonly [string, string])[]): string[] {
  const width = Math.max(0, ...fields.map(([label]) => label.length));
  return fields.map(([label, value]) => `${label.padEnd(width)}${GAP}${value}`.trimEnd());
}
