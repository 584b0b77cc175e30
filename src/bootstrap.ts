// Builds the dependencies of a running service from its config.
import path from "node:path";
import type { Config } from "./config.js";
import type { Deps } from "./deps.js";
import { openDatabase, type Database } from "./db/database.js";
import { createLogger, type Logger } from "./logger.js";
import { createAppPubSub } from "./pubsub.js";
import { startSandboxLabeler } from "./workers/sandbox-labeler.js";
import type { Worker } from "./workers/worker.js";
import { startWebhookDeliverer } from "./workers/webhook-deliverer.js";

export interface Runtime {
  deps: Deps;
  /** Stops the workers, then closes pub/sub and the database. */
  close(): Promise<void>;
}

export interface RuntimeOptions {
  logger?: Logger;
  /** An already open database (tests give each file its own). */
  db?: Database;
}

export async function createRuntime(config: Config, options: RuntimeOptions = {}): Promise<Runtime> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const db =
    options.db ??
    (await openDatabase({
      databaseUrl: config.databaseUrl,
      pgliteDir: path.join(config.dataDir, "pgdata"),
    }));
  const { pubsub, close: closePubSub } = createAppPubSub(config.redisUrl);
  const deps: Deps = { config, db, prisma: db.prisma, pubsub, logger };
  const workers: Worker[] = config.workers
    ? [
        startSandboxLabeler(deps, { seed: config.sandboxSeed, accuracies: config.sandboxCrowd }),
        startWebhookDeliverer(deps, {
          retryScheduleMs: config.webhookRetryScheduleMs,
          timeoutMs: config.webhookTimeoutMs,
          allowPrivateTargets: config.allowPrivateWebhookTargets,
        }),
      ]
    : [];
  return {
    deps,
    close: async () => {
      await Promise.all(workers.map((worker) => worker.stop()));
      await closePubSub();
      await db.close();
    },
  };
}
