// Everything the domain and the adapters need, built once and passed explicitly.
import type { Config } from "./config.js";
import type { Database, Prisma } from "./db/database.js";
import type { Logger } from "./logger.js";
import type { PubSub } from "./pubsub.js";
import type { RateLimits } from "./http/rate-limits.js";
import type { Metrics } from "./metrics.js";

export interface Deps {
  config: Config;
  db: Database;
  prisma: Prisma;
  pubsub: PubSub;
  logger: Logger;
  rateLimits: RateLimits;
  metrics: Metrics;
}
