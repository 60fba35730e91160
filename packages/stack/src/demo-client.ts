import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';

const API = '/api/v1/batch-tasks';

/** The fields of a batch the demo reads. */
export interface DemoBatch {
  id: string;
  status: string;
  total_items: number;
  counts: Record<'pending' | 'processing' | 'success' | 'failed' | 'skipped', number>;
}

/** The fields of an item the demo reads. */
export interface DemoItem {
  row_number: number;
  order_url: string;
  status: string;
  attempts: number;
  error_code: string | null;
  failure_reason: string | null;
  screenshot_url: string | null;
}

/** A small REST client for the demo; throws with the status and error body on failure. */
export class DemoClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: string,
  ) {}

  private async request(path: string, init: RequestInit = {}): Promise<Response> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${this.token}`, ...init.headers },
    });
    if (!response.ok && response.status !== 202) {
      throw new Error(
        `${init.method ?? 'GET'} ${path} returned HTTP ${response.status}: ${await response.text()}`,
      );
    }
    return response;
  }

  /** Uploads a workbook; waits for the import when the gateway returns 202. */
  async upload(file: string, name: string): Promise<DemoBatch> {
    const form = new FormData();
    form.set('name', name);
    form.set('file', new Blob([await readFile(file)]), basename(file));
    const response = await this.request(`${API}/upload`, { method: 'POST', body: form });
    if (response.status === 201) return (await response.json()) as DemoBatch;

    const location = response.headers.get('location');
    if (!location) throw new Error('the upload was accepted without a Location to poll');
    for (let tries = 0; tries < 120; tries++) {
      const poll = await fetch(`${this.baseUrl}${location}`, {
        headers: { authorization: `Bearer ${this.token}` },
      });
      if (poll.status === 200) return (await poll.json()) as DemoBatch;
      if (poll.status !== 404 && poll.status !== 202) {
        throw new Error(`import of ${file} failed with ${poll.status}: ${await poll.text()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    throw new Error(`import of ${file} did not finish within 60 s`);
  }

  async control(batchId: string, action: 'start' | 'cancel'): Promise<void> {
    await this.request(`${API}/${batchId}/control`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ action }),
    });
  }

  async batch(batchId: string): Promise<DemoBatch> {
    return (await (await this.request(`${API}/${batchId}`)).json()) as DemoBatch;
  }

  async failedItems(batchId: string): Promise<DemoItem[]> {
    const response = await this.request(`${API}/${batchId}/items?status=failed&limit=1000`);
    return ((await response.json()) as { items: DemoItem[] }).items;
  }

  /** Downloads a file the API links to, such as a failure screenshot. */
  async download(path: string): Promise<Uint8Array> {
    return new Uint8Array(await (await this.request(path)).arrayBuffer());
  }

  async export(batchId: string, format: 'xlsx' | 'csv'): Promise<Uint8Array> {
    const response = await this.request(`${API}/${batchId}/export?format=${format}`);
    return new Uint8Array(await response.arrayBuffer());
  }
}
