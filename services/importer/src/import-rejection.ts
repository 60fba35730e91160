import type { ErrorCode, RowError } from '@orderflow/contracts';

/** Codes a `batch.import_rejected` event carries. */
export type RejectionCode = Extract<
  ErrorCode,
  | 'IMPORT_REJECTED'
  | 'UNSUPPORTED_FILE_FORMAT'
  | 'TOO_MANY_ROWS'
  | 'PAYLOAD_TOO_LARGE'
  | 'NOT_FOUND'
  | 'INTERNAL'
>;

/**
 * Raised when an import cannot create a batch because of what the user sent. It is final:
 * the importer publishes `batch.import_rejected` and acknowledges the command, since
 * trying again reads the same input.
 */
export class ImportRejection extends Error {
  override name = 'ImportRejection';

  constructor(
    readonly code: RejectionCode,
    message: string,
    readonly errors: RowError[] = [],
    readonly errorCount: number = errors.length,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
