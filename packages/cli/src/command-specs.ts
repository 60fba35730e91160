/** One option of a command, as `util.parseArgs` and the help text need it. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** Placeholder of the value in the usage line, such as `N` or `PATH`. */
  valueName?: string;
  required?: boolean;
  description: string;
}

/** One command: its positional arguments, its options and a one-line summary. */
export interface CommandSpec {
  arguments: readonly string[];
  /** Positional arguments that may be left out, at the end of `arguments`. */
  optionalArguments?: number;
  options: Readonly<Record<string, OptionSpec>>;
  summary: string;
}

/** Options that every command accepts. */
export const GLOBAL_OPTIONS = {
  'api-url': {
    type: 'string',
    valueName: 'URL',
    description: 'Address of the gateway; default $ORDERFLOW_API_URL or http://127.0.0.1:8000.',
  },
  token: {
    type: 'string',
    valueName: 'TOKEN',
    description: 'API token; default $ORDERFLOW_API_TOKEN or the file .data/api-token.',
  },
  json: { type: 'boolean', description: 'Print JSON for scripts instead of tables.' },
  help: { type: 'boolean', short: 'h', description: 'Print help and exit.' },
} as const satisfies Record<string, OptionSpec>;

/** Option of `start` and `submit --start` that overrides the repeated-orders check. */
const ALLOW_REPEATED_ORDERS: OptionSpec = {
  type: 'boolean',
  description: 'Start even when other batches already did or are doing some of its orders.',
};

const ITEM_STATUS_HELP = 'pending, processing, success, failed or skipped';

/** Every command of the CLI, by name, in the order the help text lists them. */
export const COMMANDS = {
  submit: {
    arguments: ['FILE'],
    summary: 'Create a batch from an .xlsx, .xlsm, .csv or .json file.',
    options: {
      name: {
        type: 'string',
        valueName: 'NAME',
        description: 'Batch name; default the file name.',
      },
      description: { type: 'string', valueName: 'TEXT', description: 'Batch description.' },
      start: { type: 'boolean', description: 'Start the batch once it is created.' },
      'allow-repeated-orders': ALLOW_REPEATED_ORDERS,
      watch: { type: 'boolean', description: 'Show progress until the batch is finished.' },
      'skip-invalid': {
        type: 'boolean',
        description: 'Skip invalid rows instead of rejecting the whole file.',
      },
      'allow-duplicates': {
        type: 'boolean',
        description: 'Accept the same order link more than once.',
      },
      'max-concurrency': {
        type: 'string',
        valueName: 'N',
        description: 'Items of this batch in the browser at the same time.',
      },
      'idempotency-key': {
        type: 'string',
        valueName: 'KEY',
        description: 'Send the request as Idempotency-Key, so a repeated submit creates nothing.',
      },
    },
  },
  status: {
    arguments: ['ID'],
    summary: 'Show a batch with its counts and first items.',
    options: {
      failed: { type: 'boolean', description: 'List every failed item with its reason instead.' },
    },
  },
  list: {
    arguments: [],
    summary: 'List batches, newest first.',
    options: {
      status: {
        type: 'string',
        valueName: 'S',
        description:
          'Only batches in this status: pending, processing, completed, failed or cancelled.',
      },
      limit: { type: 'string', valueName: 'N', description: 'Batches to list; default 100.' },
    },
  },
  watch: {
    arguments: ['ID'],
    summary: 'Show live progress until the batch is finished.',
    options: {},
  },
  start: {
    arguments: ['ID'],
    summary: 'Start a pending batch.',
    options: { 'allow-repeated-orders': ALLOW_REPEATED_ORDERS },
  },
  pause: { arguments: ['ID'], summary: 'Stop dispatching new items of a batch.', options: {} },
  resume: { arguments: ['ID'], summary: 'Dispatch items of a paused batch again.', options: {} },
  cancel: {
    arguments: ['ID'],
    summary: 'Cancel a batch: items not yet finished are skipped.',
    options: {},
  },
  retry: {
    arguments: ['ID'],
    summary: 'Put failed items of a batch back to work.',
    options: {
      limit: {
        type: 'string',
        valueName: 'N',
        description: 'Failed items to put back; the server default is 10.',
      },
    },
  },
  export: {
    arguments: ['ID'],
    summary: 'Download the results of a batch as a workbook or CSV file.',
    options: {
      format: {
        type: 'string',
        valueName: 'xlsx|csv',
        required: true,
        description: 'File format.',
      },
      output: {
        type: 'string',
        short: 'o',
        valueName: 'PATH',
        description: 'File to write, or - for standard output; default batch-ID.FORMAT.',
      },
    },
  },
  items: {
    arguments: ['ID'],
    summary: 'List the items of a batch.',
    options: {
      status: {
        type: 'string',
        valueName: 'S',
        description: `Only items in this status: ${ITEM_STATUS_HELP}.`,
      },
    },
  },
  'set-item': {
    arguments: ['ITEM_ID'],
    summary: 'Set the result of an item by hand.',
    options: {
      status: {
        type: 'string',
        valueName: 'S',
        required: true,
        description: `New status: ${ITEM_STATUS_HELP}.`,
      },
      'order-number': { type: 'string', valueName: 'N', description: 'Order number.' },
      'final-order-url': {
        type: 'string',
        valueName: 'U',
        description: 'Link of the final order page.',
      },
      'failure-reason': { type: 'string', valueName: 'R', description: 'Why the item failed.' },
    },
  },
  help: {
    arguments: ['COMMAND'],
    optionalArguments: 1,
    summary: 'Print help for all commands or for one.',
    options: {},
  },
} as const satisfies Record<string, CommandSpec>;

export type CommandName = keyof typeof COMMANDS;

/** Tells whether `name` is a command of the CLI. */
export function isCommandName(name: string): name is CommandName {
  return Object.hasOwn(COMMANDS, name);
}
