/**
 * Runs tasks one at a time, in the order they were queued. PGlite is a single connection: a
 * transaction must not interleave with statements from elsewhere.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
