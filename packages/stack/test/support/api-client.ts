import { API_BASE_PATH } from '@orderflow/contracts';

/** Item counts per status, as the gateway reports them. */
export interface ItemCounts {
  pending: number;
  processing: number;
  success: number;
  failed: number;
  skipped: number;
}

/** The batch fields the tests read. */
export interface ApiBatch {
  id: string;
  status: string;
  paused: boolean;
  cancel_requested: boolean;
  total_items: number;
  completed_items: number;
  failed_items: number;
  counts: ItemCounts;
  max_concurrency: number | null;
}

/** The item fields the tests read. */
export interface ApiItem {
  id: string;
  batch_task_id: string;
  index: number;
  order_url: string;
  amount: string;
  status: string;
  attempts: number;
  order_number: string | null;
  final_order_url: string | null;
  failure_reason: string | null;
  error_code: string | null;
  screenshot_url: string | null;
  extra: Record<string, string>;
  updated_by: string | null;
}

/** One entry of an item's attempt history. */
export interface ApiAttempt {
  attempt: number;
  status: string;
  worker_id: string | null;
  error_code: string | null;
  verify_first: boolean | null;
  screenshot_url: string | null;
  /** Link to the JSON log of a failed attempt, with notes on what could not be captured. */
  log_url: string | null;
}

/** A JSON item of `POST /`. Keys besides `order_url` and `amount` become extra columns. */
export type JsonItem = { order_url: string; amount: string | number } & Record<string, unknown>;

const FINISHED = new Set(['completed', 'failed', 'cancelled']);
const POLL_INTERVAL_MS = 200;

/** Raised when the gateway returns a status the test did not expect. */
export class ApiError extends Error {
  override name = 'ApiError';

  constructor(
    readonly status: number,
    readonly body: string,
    request: string,
  ) {
    super(`${request} returned ${status}: ${body.slice(0, 500)}`);
  }
}

/** Polls `read` until `done` holds on its value; rejects naming `description` after `timeoutMs`. */
export async function pollUntil<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  description: string,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      last = await read();
      if (done(last)) return last;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
  const seen = last === undefined ? String(lastError) : JSON.stringify(last).slice(0, 800);
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${description}; last value: ${seen}`,
  );
}

/** A small client of the REST interface for end-to-end tests. */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: string,
  ) {}

  /** Sends a request under the API base path and returns the raw response. */
  fetch(path: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`${this.baseUrl}${API_BASE_PATH}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${this.token}`, ...init.headers },
    });
  }

  private async json<T>(path: string, init: RequestInit = {}, accepted = [200]): Promise<T> {
    const response = await this.fetch(path, init);
    const body = await response.text();
    if (!accepted.includes(response.status)) {
      throw new ApiError(response.status, body, `${init.method ?? 'GET'} ${path}`);
    }
    return JSON.parse(body) as T;
  }

  private sendJson<T>(method: string, path: string, body: unknown, accepted = [200]) {
    return this.json<T>(
      path,
      { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
      accepted,
    );
  }

  /** Creates a batch from JSON items and waits until the import is projected. */
  async createBatch(
    name: string,
    items: JsonItem[],
    options: { maxConcurrency?: number } = {},
  ): Promise<ApiBatch> {
    const body = {
      name,
      task_items: items,
      ...(options.maxConcurrency ? { max_concurrency: options.maxConcurrency } : {}),
    };
    const created = await this.sendJson<ApiBatch & { batch_task_id?: string }>(
      'POST',
      '',
      body,
      [201, 202],
    );
    return this.waitForImport(created.id ?? created.batch_task_id!);
  }

  /** Uploads a workbook as multipart form data and waits until the import is projected. */
  async upload(name: string, fileName: string, file: Uint8Array): Promise<ApiBatch> {
    const form = new FormData();
    form.set('name', name);
    form.set('file', new Blob([file]), fileName);
    const created = await this.json<ApiBatch & { batch_task_id?: string }>(
      '/upload',
      { method: 'POST', body: form },
      [201, 202],
    );
    return this.waitForImport(created.id ?? created.batch_task_id!);
  }

  private waitForImport(batchId: string): Promise<ApiBatch> {
    return pollUntil(
      () => this.batch(batchId),
      () => true,
      `import of batch ${batchId}`,
      30_000,
    );
  }

  control(batchId: string, action: 'start' | 'cancel' | 'pause' | 'resume'): Promise<ApiBatch> {
    return this.sendJson('POST', `/${batchId}/control`, { action });
  }

  retry(batchId: string, limit = 10): Promise<{ requeued_count: number; batch: ApiBatch }> {
    return this.json(`/${batchId}/retry?limit=${limit}`, { method: 'POST' });
  }

  batch(batchId: string): Promise<ApiBatch> {
    return this.json(`/${batchId}`);
  }

  async items(batchId: string, status?: string): Promise<ApiItem[]> {
    const query = status ? `&status=${status}` : '';
    const page = await this.json<{ items: ApiItem[] }>(`/${batchId}/items?limit=1000${query}`);
    return page.items;
  }

  async attempts(itemId: string): Promise<ApiAttempt[]> {
    return (await this.json<{ attempts: ApiAttempt[] }>(`/items/${itemId}/attempts`)).attempts;
  }

  updateItem(itemId: string, update: Record<string, unknown>): Promise<ApiItem> {
    return this.sendJson('PUT', `/items/${itemId}`, update);
  }

  /** Downloads a link the API returned, such as `screenshot_url`, with the bearer token. */
  async download(link: string): Promise<{ contentType: string | null; bytes: Uint8Array }> {
    const response = await fetch(`${this.baseUrl}${link}`, {
      headers: { authorization: `Bearer ${this.token}` },
    });
    if (!response.ok) throw new ApiError(response.status, await response.text(), `GET ${link}`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    return { contentType: response.headers.get('content-type'), bytes };
  }

  async export(batchId: string, format: 'xlsx' | 'csv'): Promise<Uint8Array> {
    return (await this.download(`${API_BASE_PATH}/${batchId}/export?format=${format}`)).bytes;
  }

  /** Waits until `done` holds on the batch as the API returns it. */
  waitForBatch(
    batchId: string,
    done: (batch: ApiBatch) => boolean,
    description: string,
    timeoutMs = 90_000,
  ): Promise<ApiBatch> {
    return pollUntil(() => this.batch(batchId), done, description, timeoutMs);
  }

  /** Waits until the batch is in a final status with every item in a final status. */
  waitForFinish(batchId: string, timeoutMs = 90_000): Promise<ApiBatch> {
    const finished = (batch: ApiBatch) =>
      FINISHED.has(batch.status) && batch.counts.pending === 0 && batch.counts.processing === 0;
    return this.waitForBatch(batchId, finished, 'batch finish', timeoutMs);
  }
}

/** One message of a Server-Sent Events stream. */
export interface SseMessage {
  event: string;
  id: string | undefined;
  data: string;
}

function parseSseBlock(block: string): SseMessage | undefined {
  let event = 'message';
  let id: string | undefined;
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('event:')) event = line.slice(6).trim();
    else if (line.startsWith('id:')) id = line.slice(3).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
  }
  return data.length > 0 ? { event, id, data: data.join('\n') } : undefined;
}

/**
 * Reads a Server-Sent Events response until `found` holds on a message, then closes it and
 * returns every message read. Rejects after `timeoutMs`.
 */
export async function readSseUntil(
  response: Response,
  found: (message: SseMessage) => boolean,
  timeoutMs = 15_000,
): Promise<SseMessage[]> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  const timer = setTimeout(() => void reader.cancel(), timeoutMs);
  const messages: SseMessage[] = [];
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        const message = parseSseBlock(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        end = buffer.indexOf('\n\n');
        if (!message) continue;
        messages.push(message);
        if (found(message)) return messages;
      }
    }
  } finally {
    clearTimeout(timer);
    await reader.cancel().catch(() => {});
  }
  const seen = messages.map((message) => message.event).join(', ');
  throw new Error(`the event stream ended without the expected message; events: ${seen}`);
}
