import { describe, expect, it } from 'vitest';
import { deriveId, deriveItemId, InvalidSubjectTokenError, subjects } from '../src/index';

const batchId = '4f1c2a9e-8d3b-4c5a-9e7f-0a1b2c3d4e5f';

describe('subjects', () => {
  it('builds command, event and work subjects', () => {
    expect(subjects.importCommand(batchId)).toBe(`orderflow.cmd.import.${batchId}`);
    expect(subjects.batchCommand(batchId)).toBe(`orderflow.cmd.batch.${batchId}`);
    expect(subjects.event(batchId, 'item.dispatched')).toBe(
      `orderflow.evt.${batchId}.item.dispatched`,
    );
    expect(subjects.eventsOfType('batch.cancel_requested')).toBe(
      'orderflow.evt.*.batch.cancel_requested',
    );
    expect(subjects.work(batchId)).toBe(`orderflow.work.${batchId}`);
  });

  it.each(['', 'a.b', 'a*', '>', 'a b', 'x'.repeat(65), 'ä'])('rejects token %j', (token) => {
    expect(() => subjects.work(token)).toThrow(InvalidSubjectTokenError);
  });

  it('rejects event types with more than two parts', () => {
    expect(() => subjects.event(batchId, 'item.a.b')).toThrow(InvalidSubjectTokenError);
    expect(() => subjects.event(batchId, 'item')).toThrow(InvalidSubjectTokenError);
  });

  it('names the field and value in the error', () => {
    expect(() => subjects.batchCommand('a.b')).toThrow(
      'batchId "a.b" cannot be a NATS subject token',
    );
  });
});

describe('deriveId', () => {
  it('is stable and shaped like a UUID', () => {
    const first = deriveId('ns', 'name');
    expect(first).toBe(deriveId('ns', 'name'));
    expect(first).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(deriveId('ns', 'other')).not.toBe(first);
  });

  it('keeps the ids already stored in event streams', () => {
    expect(deriveId('ns', 'name')).toBe('e7b9def1-a1af-56af-9957-ab818fb2046b');
  });

  it('derives distinct item ids per index', () => {
    expect(deriveItemId(batchId, 0)).not.toBe(deriveItemId(batchId, 1));
  });
});
