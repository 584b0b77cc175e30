// Builds the dependencies of a running service from its config.
import type { Config } from "./config.js";
import type { Deps } from "./deps.js";
import { createPrismaClient, openConfiguredDatabase, type Database } from "./db/database.js";
import { createLogger, type Logger } from "./logger.js";
import { createAppPubSub } from "./pubsub.js";
import { createRateLimits } from "./http/rate-limits.js";
import { createMetrics } from "./metrics.js";
import { followRevocations } from "./domain/accounts/index.js";
import { startSandboxLabeler } from "./workers/sandbox-labeler.js";
import type { Worker } from "./workers/worker.js";
import { startWebhookDeliverer } from "./workers/webhook-deliverer.js";
import { startManifestIngester } from "./workers/manifest-ingester.js";
import { startInvoiceCloser } from "./workers/invoice-closer.js";
import { startRollupCompactor } from "./workers/rollup-compactor.js";
import { startEventPruner } from "./workers/event-pruner.js";
import { startExportBuilder } from "./workers/export-builder.js";

/** Connections for background work, apart from the request path's pool so workers never starve requests. */
const WORKER_POOL_SIZE = 4;

export interface Runtime {
  deps: Deps;
  /** Stops the background loops (idempotent). */
  stopWorkers(): Promise<void>;
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
    (await openConfiguredDatabase(config, { role: "server", log: (line) => logger.debug({ postgres: line }, "embedded postgres") }));
  const { pubsub, close: closePubSub } = createAppPubSub(config.redisUrl);
  const rateLimits = createRateLimits(config);
  const runsWorkers = config.role !== "api";
  const workerPrisma = runsWorkers ? createPrismaClient(db.url, WORKER_POOL_SIZE) : undefined;
  const metrics = createMetrics({ pools: workerPrisma ? { requests: db.prisma, workers: workerPrisma } : { requests: db.prisma } });
  const deps: Deps = { config, db, prisma: db.prisma, pubsub, logger, rateLimits, metrics };
  // A key revoked by any process stops working in this one too.
  const stopFollowingRevocations = await followRevocations(deps);
  const workerDeps: Deps = workerPrisma ? { ...deps, prisma: workerPrisma } : deps;
  const workers: Worker[] = runsWorkers
    ? [
        startSandboxLabeler(workerDeps, { seed: config.sandboxSeed, crowd: config.sandboxCrowd }),
        startWebhookDeliverer(workerDeps, {
          retryScheduleMs: config.webhookRetryScheduleMs,
          timeoutMs: config.webhookTimeoutMs,
          allowPrivateTargets: config.allowPrivateWebhookTargets,
        }),
        startManifestIngester(workerDeps),
        startInvoiceCloser(workerDeps),
        startRollupCompactor(workerDeps),
        startEventPruner(workerDeps),
        startExportBuilder(workerDeps),
      ]
    : [];
  let workersStopped: Promise<void> | undefined;
  const stopWorkers = () =>
    (workersStopped ??= (async () => {
      await Promise.all(workers.map((worker) => worker.stop()));
      await workerPrisma?.$disconnect();
    })());
  return {
    deps,
    stopWorkers,
    close: async () => {
      await stopWorkers();
      await stopFollowingRevocations();
      await rateLimits.close();
      await closePubSub();
      await db.close();
    },
  };
}
