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

  it('derives distinct UUID-shaped item ids', () => {
    const ids = Array.from({ length: 200_000 }, (_, index) => deriveItemId(batchId, index));
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of [ids[0], ids[1], ids.at(-1)]) {
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
    // Neighbouring items differ from the first character on, not only at the end.
    expect(ids[0]?.slice(0, 4)).not.toBe(ids[1]?.slice(0, 4));
  });

  it('derives the same item id whatever batch came before', () => {
    const first = deriveItemId('batch-a', 7);
    expect(deriveItemId('batch-b', 7)).not.toBe(first);
    expect(deriveItemId('batch-a', 7)).toBe(first);
    // Ids already stored in event streams must not change.
    expect(first).toBe('f429c482-4bc4-85a8-8abb-e2fa1b7da3d0');
  });
});
