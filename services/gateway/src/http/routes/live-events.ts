import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import { eventsAfter, findBatch } from '../../read-model/queries';
import { isDatabaseUnavailable } from '../api-error';
import type { AppEnv, GatewayServices } from '../context';
import { presentBatch, presentEvent } from '../presenters';
import { batchIdParam, errorResponses } from '../schemas';
import { batchNotFound } from './batch-reads';

/** Milliseconds between keep-alive comments, so that proxies keep an idle stream open. */
const KEEP_ALIVE_MS = 15_000;
/** Milliseconds between reads while Postgres cannot be reached. */
const RETRY_READ_MS = 2_000;
const EVENTS_PER_READ = 500;

const eventsQuery = z.object({
  last_event_id: z.coerce
    .number()
    .int()
    .min(0)
    .optional()
    .openapi({ description: 'Resume after this event id, like the Last-Event-ID header.' }),
});

function resumeAfter(header: string | undefined, query: number | undefined): number | undefined {
  if (query !== undefined) return query;
  if (header === undefined || !/^\d{1,18}$/.test(header.trim())) return undefined;
  return Number(header.trim());
}

/**
 * Registers `GET /{id}/events`: Server-Sent Events of a batch, sent once each change is
 * committed to Postgres. The event id is the event's feed id, which follows commit order, so a
 * client that reconnects with Last-Event-ID gets exactly the events after it. Without one, the
 * stream opens with a
 * `snapshot` of the batch and continues from there. Each burst of events ends with a
 * `progress` event carrying the counts.
 */
export function registerLiveEvents(app: OpenAPIHono<AppEnv>, services: GatewayServices): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/{batch_task_id}/events',
      summary: 'Live progress of a batch as Server-Sent Events',
      tags: ['batches'],
      request: { params: batchIdParam, query: eventsQuery },
      responses: {
        200: {
          description: 'An event stream: `snapshot`, one event per projected event, `progress`.',
          content: { 'text/event-stream': { schema: z.string() } },
        },
        ...errorResponses(404, 422),
      },
    }),
    async (c) => {
      const { batch_task_id: batchId } = c.req.valid('param');
      const { last_event_id: queryId } = c.req.valid('query');
      const batch = await findBatch(services.db, batchId);
      if (!batch) throw batchNotFound(batchId);
      const resumeId = resumeAfter(c.req.header('last-event-id'), queryId);
      const log = c.get('log');

      return streamSSE(
        c,
        async (stream) => {
          let afterId = resumeId ?? Number(batch.last_feed_id);
          if (resumeId === undefined) {
            await stream.writeSSE({
              event: 'snapshot',
              id: String(afterId),
              data: JSON.stringify(presentBatch(batch)),
            });
          }
          let wake: (() => void) | undefined;
          let changed = true;
          const unsubscribe = services.notifier.subscribe((notice) => {
            if (notice.batches !== null && !notice.batches.includes(batchId)) return;
            changed = true;
            wake?.();
          });
          stream.onAbort(() => {
            unsubscribe();
            wake?.();
          });

          while (!stream.aborted) {
            if (changed) {
              changed = false;
              try {
                afterId = await sendNewEvents(services, batchId, afterId, stream);
              } catch (error) {
                if (!isDatabaseUnavailable(error)) throw error;
                log.warn({ batchId }, 'live events paused: read model unavailable');
                changed = true;
                await stream.sleep(RETRY_READ_MS);
                continue;
              }
            }
            if (changed) continue;
            const woken = await new Promise<boolean>((resolve) => {
              const timer = setTimeout(() => resolve(false), KEEP_ALIVE_MS);
              wake = () => {
                clearTimeout(timer);
                resolve(true);
              };
            });
            wake = undefined;
            if (!woken && !stream.aborted) await stream.write(': keep-alive\n\n');
          }
          unsubscribe();
        },
        async (error, stream) => {
          log.error({ err: error, batchId }, 'live event stream failed');
          await stream.writeSSE({
            event: 'error',
            data: JSON.stringify({
              code: 'INTERNAL',
              message: 'The event stream failed; reconnect.',
            }),
          });
        },
      );
    },
  );
}

type SseStream = Parameters<Parameters<typeof streamSSE>[1]>[0];

async function sendNewEvents(
  services: GatewayServices,
  batchId: string,
  afterId: number,
  stream: SseStream,
): Promise<number> {
  let last = afterId;
  for (;;) {
    const rows = await eventsAfter(services.db, batchId, last, EVENTS_PER_READ);
    for (const row of rows) {
      const event = presentEvent(row);
      await stream.writeSSE({
        id: String(event.id),
        event: row.type,
        data: JSON.stringify(event),
      });
      last = event.id;
    }
    if (rows.length < EVENTS_PER_READ) break;
  }
  if (last !== afterId) {
    const batch = await findBatch(services.db, batchId);
    if (batch) {
      const { counts, progress, status, paused, total_items } = presentBatch(batch);
      await stream.writeSSE({
        event: 'progress',
        id: String(last),
        data: JSON.stringify({ status, paused, total_items, progress, counts }),
      });
    }
  }
  return last;
}
