/**
 * Runs async tasks one at a time in call order, so that a decision round and a command never
 * decide on the same state at once.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  /** Runs `task` after every task queued before it; rejects with the task's own error. */
  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Resolves when every task queued so far has ended. */
  idle(): Promise<void> {
    return this.tail.then(() => undefined);
  }
}
