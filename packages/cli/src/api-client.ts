import { API_BASE_PATH, errorBodySchema } from '@orderflow/contracts';
import type { Connection } from './connection';
import { ApiError, NetworkError } from './errors';

/** Time a request may take, response body included, unless the caller streams the body. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 120_000;

/** Maximum length of the response text that an error message quotes for a body of another shape. */
const MAX_QUOTED_BODY_CHARS = 300;

/** Options of one request. */
export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT';
  /** Query parameters; undefined values are left out. */
  query?: Record<string, string | number | boolean | undefined>;
  /** Sent as a JSON body. */
  json?: unknown;
  /** Sent as a multipart body; fetch sets the boundary. */
  form?: FormData;
  headers?: Record<string, string>;
  /** Stream the body: no overall timeout applies, so the caller must read or cancel it. */
  stream?: boolean;
  signal?: AbortSignal;
}

/**
 * Sends requests to the REST interface below `/api/v1/batch-tasks` with the bearer token, and
 * turns every non-2xx response into an {@link ApiError} and every failed connection into a
 * {@link NetworkError}.
 */
export class ApiClient {
  constructor(
    private readonly connection: Connection,
    private readonly requestTimeoutMs = DEFAULT_REQUEST_TIMEOUT_MS,
  ) {}

  /** Builds the absolute URL of a path below the REST base path. */
  url(path: string, query?: RequestOptions['query']): string {
    // The gateway serves the collection at the base path itself, without a trailing slash.
    const suffix = path === '/' ? '' : path;
    const url = new URL(`${this.connection.apiUrl}${API_BASE_PATH}${suffix}`);
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    return url.toString();
  }

  /**
   * Resolves a link of a response on the gateway. A path such as `/api/v1/batch-tasks/items/...`
   * keeps the path prefix of the API address, as a proxy in front of the gateway needs.
   */
  absoluteUrl(link: string): string {
    if (link.startsWith('/')) return `${this.connection.apiUrl}${link}`;
    return new URL(link, `${this.connection.apiUrl}/`).toString();
  }

  /** Sends a request to a path below the REST base path; the response status is 2xx. */
  request(path: string, options: RequestOptions = {}): Promise<Response> {
    return this.send(this.url(path, options.query), options);
  }

  /**
   * Sends a request to an absolute URL, such as a `Location` header, which must be on the
   * gateway's origin so that the token never goes to another host.
   */
  requestUrl(url: string, options: RequestOptions = {}): Promise<Response> {
    const origin = new URL(this.connection.apiUrl).origin;
    if (new URL(url).origin !== origin) {
      throw new ApiError(0, 'FOREIGN_LOCATION', `the gateway pointed to ${url}, outside ${origin}`);
    }
    return this.send(url, options);
  }

  private async send(url: string, options: RequestOptions): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (this.connection.token) headers.authorization = `Bearer ${this.connection.token}`;
    let body: string | FormData | undefined;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.form) {
      body = options.form;
    }

    const signals = options.signal ? [options.signal] : [];
    if (!options.stream) signals.push(AbortSignal.timeout(this.requestTimeoutMs));
    let response: Response;
    try {
      response = await fetch(url, {
        method: options.method ?? 'GET',
        headers,
        body,
        signal: signals.length > 0 ? AbortSignal.any(signals) : undefined,
      });
    } catch (error) {
      throw toNetworkError(url, error, this.requestTimeoutMs);
    }

    if (!response.ok) throw await readApiError(response);
    return response;
  }

  /** Sends a request and returns its parsed JSON body, or undefined for an empty body. */
  async requestJson<T = unknown>(path: string, options: RequestOptions = {}): Promise<T> {
    return this.readJson<T>(await this.request(path, options));
  }

  /** Reads a response body as JSON, or returns undefined for an empty body. */
  async readJson<T = unknown>(response: Response): Promise<T> {
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw toNetworkError(response.url, error, this.requestTimeoutMs);
    }
    if (text.trim() === '') return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ApiError(
        response.status,
        'INVALID_RESPONSE',
        `the response of ${response.url} is not valid JSON: ${quote(text)}`,
      );
    }
  }
}

/** Reads the error body of a non-2xx response, or describes the response when it has none. */
export async function readApiError(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => '');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }

  const body = errorBodySchema.safeParse(parsed);
  if (body.success) {
    const { code, message, details, request_id } = body.data.error;
    return new ApiError(response.status, code, message, details, request_id, parsed);
  }
  // A proxy or an older server may respond without the error shape, so keep its response text.
  const message = text.trim() === '' ? response.statusText || 'no response body' : quote(text);
  return new ApiError(
    response.status,
    `HTTP_${response.status}`,
    message,
    undefined,
    undefined,
    parsed ?? text,
  );
}

function quote(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_QUOTED_BODY_CHARS ? `${flat.slice(0, MAX_QUOTED_BODY_CHARS)}...` : flat;
}

/** Describes why a request got no response, with the cause that fetch hides in `cause`. */
export function toNetworkError(url: string, error: unknown, timeoutMs?: number): NetworkError {
  if (error instanceof NetworkError) return error;
  if (error instanceof DOMException && error.name === 'TimeoutError') {
    return new NetworkError(url, `request to ${url} timed out after ${timeoutMs} ms`, {
      cause: error,
    });
  }
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new NetworkError(url, `request to ${url} failed: ${reason}`, { cause: error });
}
