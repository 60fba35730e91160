import { z } from 'zod';
import { EVENT_CATALOG } from './event-catalog';
import { EVENT_DATA, EVENT_SCHEMA_VERSION, EVENT_TYPES, eventEnvelopeSchema } from './events';
import { subjects } from './subjects';

function jsonBlock(schema: z.ZodType): string {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  delete json.$schema;
  return ['```json', JSON.stringify(json, null, 2), '```'].join('\n');
}

const SAMPLE_ID = 'BATCHID';

function placeholder(subject: string): string {
  return subject.replace(SAMPLE_ID, '<batchId>').replace('entity.action', '<entity>.<action>');
}

/** Renders `docs/events.md` from the event schemas, so the document cannot drift from them. */
export function renderEventsDoc(): string {
  const lines = [
    '# Events',
    '',
    '<!-- Generated from packages/contracts by `pnpm --filter @orderflow/contracts run docs`; a test fails when it is stale. -->',
    '',
    'Every change in Orderflow is an event in the JetStream stream `ORDERFLOW_EVENTS`. Events are a',
    `public contract at schema version ${EVENT_SCHEMA_VERSION}: fields are only added, never renamed or removed,`,
    'and a breaking change would publish a new version beside the old one.',
    '',
    `Subject: \`${placeholder(subjects.event(SAMPLE_ID, 'entity.action'))}\`, for example`,
    `\`${placeholder(subjects.event(SAMPLE_ID, 'item.dispatched'))}\`. Subscribe to one batch with`,
    `\`${placeholder(subjects.batchEvents(SAMPLE_ID))}\` or to one type across batches with`,
    `\`${subjects.eventsOfType('item.succeeded')}\`. The \`Nats-Msg-Id\` header equals the event id.`,
    '',
    '## Envelope',
    '',
    jsonBlock(eventEnvelopeSchema),
    '',
    'Each event adds `data`, whose shape depends on `type`:',
    '',
    '| type | published by | meaning |',
    '|---|---|---|',
    ...EVENT_TYPES.map(
      (type) => `| \`${type}\` | ${EVENT_CATALOG[type].source} | ${EVENT_CATALOG[type].meaning} |`,
    ),
    '',
  ];
  for (const type of EVENT_TYPES) {
    lines.push(
      `## \`${type}\``,
      '',
      EVENT_CATALOG[type].meaning,
      '',
      jsonBlock(EVENT_DATA[type]),
      '',
    );
  }
  return lines.join('\n');
}
