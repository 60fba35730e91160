import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Objm } from '@nats-io/obj';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import {
  IMPORTER_CONSUMER,
  type ImportBatchCommand,
  newId,
  OBJECT_BUCKETS,
  subjects,
} from '@orderflow/contracts';
import { startNatsServer } from '@orderflow/harness';
import { createLogger, encodeJson, provisionJetStream } from '@orderflow/service-kit';
import ExcelJS from 'exceljs';

/** Figures of one benchmark run; times in milliseconds, memory in megabytes. */
export interface ImportBenchmarkResult {
  rows: number;
  fileBytes: number;
  /** Best of the runs of a bare exceljs streaming read in the benchmark process (rows counted). */
  bareReadMs: number;
  /** Best of the runs from object-store upload to `batch.created` received. */
  importMs: number;
  /** importMs divided by bareReadMs; the goal is at most 2. */
  ratio: number;
  /** Peak resident memory of the importer process over all runs (VmHWM). */
  importerPeakRssMb: number;
  runs: number;
}

const ROWS = 100_000;
const RUNS = 5;
const SERVICE_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

async function writeWorkbook(path: string): Promise<void> {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    filename: path,
    useSharedStrings: true,
  });
  const sheet = workbook.addWorksheet('Orders');
  sheet.addRow(['order_url', 'amount', 'customer']).commit();
  for (let i = 1; i <= ROWS; i++) {
    const amount = (i % 5_000) + 0.99;
    sheet.addRow([`https://shop.example.com/orders/${i}`, amount, `customer ${i % 977}`]).commit();
  }
  await workbook.commit();
}

async function bareRead(path: string): Promise<number> {
  const started = performance.now();
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(path, {});
  let rows = 0;
  for await (const sheet of reader) {
    for await (const _row of sheet) rows += 1;
  }
  if (rows !== ROWS + 1) throw new Error(`bare read saw ${rows} rows, expected ${ROWS + 1}`);
  return performance.now() - started;
}

async function peakRssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kilobytes = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kilobytes / 1024;
}

/**
 * Starts the importer the way `pnpm start` does, with the same node options, as one process
 * (no wrapper) so that its memory can be read from /proc.
 */
async function startImporterProcess(natsUrl: string): Promise<ChildProcess> {
  const manifest = JSON.parse(await readFile(join(SERVICE_ROOT, 'package.json'), 'utf8'));
  const [command, ...args] = String(manifest.scripts.start).split(/\s+/);
  if (command !== 'node')
    throw new Error(`the start script does not run node: ${manifest.scripts.start}`);
  return spawn(process.execPath, args, {
    cwd: SERVICE_ROOT,
    env: { ...process.env, NATS_URL: natsUrl, HEALTH_PORT: '0', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/** Waits until the importer has a pull request open on its consumer. */
async function waitForPull(nc: NatsConnection): Promise<void> {
  const jsm = await jetstreamManager(nc);
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const info = await jsm.consumers.info(
        IMPORTER_CONSUMER.stream,
        IMPORTER_CONSUMER.durable_name,
      );
      if (info.num_waiting > 0) return;
    } catch {
      // The consumer does not exist until the importer has provisioned it.
    }
    if (Date.now() > deadline) throw new Error('the importer did not start pulling within 30 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function importOnce(nc: NatsConnection, file: Buffer): Promise<number> {
  const js = jetstream(nc);
  const batchId = newId();
  const created = nc.subscribe(subjects.event(batchId, 'batch.created'), { max: 1 });
  const started = performance.now();

  const uploads = await new Objm(nc).open(OBJECT_BUCKETS.uploads.bucket);
  const objectName = newId();
  await uploads.putBlob({ name: objectName }, file);
  const command: ImportBatchCommand = {
    type: 'import',
    commandId: newId(),
    batchId,
    issuedAt: new Date().toISOString(),
    name: 'benchmark',
    source: {
      kind: 'object',
      bucket: OBJECT_BUCKETS.uploads.bucket,
      objectName,
      sizeBytes: file.length,
      fileName: 'bench.xlsx',
    },
    options: { skipInvalid: false, allowDuplicates: false },
  };
  await js.publish(subjects.importCommand(batchId), encodeJson(command), {
    msgID: command.commandId,
  });
  for await (const _message of created) break;
  return performance.now() - started;
}

/**
 * Builds a 100,000-row workbook in a temporary folder and times a bare exceljs streaming read
 * of it. Then it times the importer, run as its own process against a real nats-server, from
 * the object-store upload to `batch.created`, and reads the importer's peak resident memory.
 */
export async function runImportBenchmark(): Promise<ImportBenchmarkResult> {
  const dir = await mkdtemp(join(tmpdir(), 'orderflow-import-bench-'));
  const nats = await startNatsServer();
  let importer: ChildProcess | undefined;
  let nc: NatsConnection | undefined;
  try {
    const path = join(dir, 'bench.xlsx');
    await writeWorkbook(path);
    const file = await readFile(path);

    nc = await connect({ servers: nats.url });
    await provisionJetStream(nc, createLogger('import-bench', 'warn'));
    importer = await startImporterProcess(nats.url);
    await waitForPull(nc);

    // Bare reads and imports take turns, so that both see the same load on a shared machine.
    const bareTimes: number[] = [];
    const importTimes: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      bareTimes.push(await bareRead(path));
      importTimes.push(await importOnce(nc, file));
    }
    const importerPeakRssMb = await peakRssMb(importer.pid ?? 0);

    const bareReadMs = Math.min(...bareTimes);
    const importMs = Math.min(...importTimes);
    return {
      rows: ROWS,
      fileBytes: (await stat(path)).size,
      bareReadMs: Math.round(bareReadMs),
      importMs: Math.round(importMs),
      ratio: Math.round((importMs / bareReadMs) * 100) / 100,
      importerPeakRssMb: Math.round(importerPeakRssMb),
      runs: RUNS,
    };
  } finally {
    if (importer && importer.exitCode === null) {
      const exited = new Promise((resolve) => importer?.once('exit', resolve));
      importer.kill('SIGTERM');
      await exited;
    }
    await nc?.close();
    await nats.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  runImportBenchmark().then(
    (result) => console.log(JSON.stringify(result, null, 2)),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
