import type { Logger } from "../logger.js";

/** A background loop owned by the runtime: started after the database, stopped before it closes. */
export interface Worker {
  name: string;
  stop(): Promise<void>;
}

export interface PollingWorker extends Worker {
  /** Ends an idle wait early (new work may be there). */
  wake(): void;
  isStopped(): boolean;
}

/**
 * Runs `tick` until stopped; a tick that found no work is followed by an idle
 * wait of `idleMs` (or until woken). `prepare` runs once before the first tick.
 */
export function startPollingWorker<T>(options: {
  name: string;
  logger: Logger;
  idleMs: number;
  prepare: () => Promise<T>;
  tick: (prepared: T) => Promise<boolean>;
  /** Awaited on stop, after the loop has ended (e.g. work still in flight). */
  drain?: () => Promise<unknown>;
}): PollingWorker {
  let stopped = false;
  let wake: (() => void) | undefined;

  const loop = (async () => {
    const prepared = await options.prepare();
    while (!stopped) {
      const worked = await options.tick(prepared);
      if (!worked && !stopped) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, options.idleMs);
        });
      }
    }
  })().catch((error) => options.logger.error({ err: error }, `${options.name} stopped`));

  return {
    name: options.name,
    wake: () => wake?.(),
    isStopped: () => stopped,
    stop: async () => {
      stopped = true;
      wake?.();
      await loop;
      await options.drain?.();
    },
  };
}
