import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderEventsDoc } from '../src/events-doc';

const target = fileURLToPath(new URL('../../../docs/events.md', import.meta.url));
writeFileSync(target, renderEventsDoc());
process.stdout.write(`wrote ${target}\n`);
