import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderEventsDoc } from '../src/events-doc';
import { EVENT_TYPES } from '../src/index';

describe('docs/events.md', () => {
  it('matches the schemas', () => {
    const path = fileURLToPath(new URL('../../../docs/events.md', import.meta.url));
    const written = readFileSync(path, 'utf8');
    expect(written, 'run `pnpm --filter @orderflow/contracts run docs` to regenerate').toBe(
      renderEventsDoc(),
    );
  });

  it('documents every event type', () => {
    const rendered = renderEventsDoc();
    for (const type of EVENT_TYPES) expect(rendered).toContain(`## \`${type}\``);
  });
});
