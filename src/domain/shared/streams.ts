// Event streams for subscribers, written as async generators over pub/sub sources.

/**
 * `stream`, whose return() closes its sources first. An async generator's own
 * return() waits until the generator reaches a yield: one waiting on a quiet
 * source would hold a subscriber that left, and its listener, until that
 * source's next event (for a quiet customer, indefinitely). Closed sources end
 * the wait at once, and the generator's `finally` runs.
 */
export function closingSourcesOnReturn<T>(stream: AsyncGenerator<T>, closeSources: () => unknown): AsyncIterableIterator<T> {
  return {
    next: () => stream.next(),
    return: async (value?: unknown) => {
      await closeSources();
      return stream.return(value as T);
    },
    throw: async (error?: unknown) => {
      await closeSources();
      return stream.throw(error);
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
