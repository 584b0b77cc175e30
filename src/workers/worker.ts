import type { Deps } from "../deps.js";
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
 * wait of `idleMs` (or until woken). `prepare` runs before the first tick (again
 * after a failure, until it succeeds). `hasWork`, when given, is asked first:
 * a cheap read, so that an idle loop does not open its claim's transaction to
 * find nothing; when it fails, the tick runs and reports the failure.
 */
export function startPollingWorker<T>(options: {
  name: string;
  logger: Logger;
  idleMs: number;
  prepare: () => Promise<T>;
  tick: (prepared: T) => Promise<boolean>;
  hasWork?: () => Promise<boolean>;
  /** Awaited on stop, after the loop has ended (e.g. work still in flight). */
  drain?: () => Promise<unknown>;
}): PollingWorker {
  let stopped = false;
  let wake: (() => void) | undefined;

  const idle = () =>
    new Promise<void>((resolve) => {
      wake = resolve;
      setTimeout(resolve, options.idleMs);
    });
  // A failure (the database away for a moment) is logged and the loop goes on:
  // a background loop that died would silently stop the service's own work.
  const loop = (async () => {
    let prepared: { value: T } | undefined;
    while (!stopped) {
      let worked = false;
      try {
        prepared ??= { value: await options.prepare() };
        const hasWork = options.hasWork ? await options.hasWork().catch(() => true) : true;
        if (hasWork) worked = await options.tick(prepared.value);
      } catch (error) {
        if (!stopped) options.logger.error({ err: error }, `${options.name}: round failed; trying again`);
      }
      if (!worked && !stopped) await idle();
    }
  })();

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

/**
 * Wakes `worker` on each event of a process-wide channel (new work asked for
 * in any process starts now, not at the next poll). Answers the function that
 * stops following (call it from the worker's drain).
 */
export function wakeOnEvents(deps: Pick<Deps, "pubsub" | "logger">, channel: "jobs:queued" | "exports:queued", worker: PollingWorker): () => Promise<void> {
  const queued = deps.pubsub.listen(channel, "all");
  const following = queued.then(async (events) => {
    for await (const _event of events) worker.wake();
  });
  following.catch((error) => deps.logger.error({ err: error }, `${worker.name}: stopped following ${channel}`));
  return async () => {
    await (await queued.catch(() => undefined))?.return?.();
    await following.catch(() => {});
  };
}
