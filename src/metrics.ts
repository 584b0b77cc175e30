// Prometheus metrics (prom-client). One registry per runtime, so that several
// services in one process (the tests) keep their numbers apart. Counters and
// histograms count what this process did; the queue gauges read the database
// at scrape time, so every process reports the same shared queues.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Prisma } from "./db/database.js";
import { connectionPoolOf } from "./db/database.js";

export interface Metrics {
  registry: Registry;
  /** One HTTP request; `route` is the matched route template, never the raw path. */
  httpRequest(method: string, route: string, status: number, seconds: number): void;
  /** One query or mutation, by its first root field. */
  graphqlOperation(type: string, field: string, outcome: "ok" | "error", seconds: number): void;
  webhookAttempt(outcome: string): void;
  /** `count` judgments (default 1) that left their task in `taskStatus`. */
  judgment(workforce: string, taskStatus: string, count?: number): void;
}

export interface MetricsSources {
  /** The request path's client, and the workers' one when they have their own pool. */
  pools: Record<string, Prisma>;
}

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createMetrics(sources: MetricsSources): Metrics {
  const registry = new Registry();
  // Process CPU and memory, GC, and event-loop lag (nodejs_eventloop_lag_*).
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const http = new Histogram({
    name: "refinery_http_request_duration_seconds",
    help: "HTTP requests by method, route and status, with their latency (the _count is the request count).",
    labelNames: ["method", "route", "status"] as const,
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const graphql = new Histogram({
    name: "refinery_graphql_operation_duration_seconds",
    help: "GraphQL queries and mutations by type, first root field and outcome, with their latency.",
    labelNames: ["type", "field", "outcome"] as const,
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const webhooks = new Counter({
    name: "refinery_webhook_attempts_total",
    help: "Webhook delivery attempts made by this process, by outcome (succeeded, retrying, failed).",
    labelNames: ["outcome"] as const,
    registers,
  });
  const judgments = new Counter({
    name: "refinery_judgments_total",
    help: "Judgments recorded through this process, by workforce and the task's status afterwards (labeling throughput).",
    labelNames: ["workforce", "task_status"] as const,
    registers,
  });

  const requestPrisma = Object.values(sources.pools)[0];
  new Gauge({
    name: "refinery_tasks",
    help: "Tasks by status, all customers (queue depth: pending and in_progress).",
    labelNames: ["status"] as const,
    registers,
    async collect() {
      const rows = await requestPrisma.$queryRaw<{ status: string; n: number }[]>`SELECT status, count(*)::int AS n FROM tasks GROUP BY status`;
      this.reset();
      for (const row of rows) this.set({ status: row.status }, row.n);
    },
  });
  new Gauge({
    name: "refinery_webhook_deliveries_pending",
    help: "Webhook deliveries waiting for a first attempt or a retry.",
    registers,
    async collect() {
      const [row] = await requestPrisma.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM webhook_deliveries WHERE status IN ('pending', 'retrying')`;
      this.set(row.n);
    },
  });
  new Gauge({
    name: "refinery_jobs_active",
    help: "Batch jobs not ended yet, by status.",
    labelNames: ["status"] as const,
    registers,
    async collect() {
      const rows = await requestPrisma.$queryRaw<{ status: string; n: number }[]>`
        SELECT status, count(*)::int AS n FROM jobs WHERE status IN ('queued', 'ingesting', 'labeling') GROUP BY status`;
      this.reset();
      for (const row of rows) this.set({ status: row.status }, row.n);
    },
  });
  new Gauge({
    name: "refinery_db_pool_connections",
    help: "Database connections of this process's pools: total open, idle, and requests waiting for one.",
    labelNames: ["pool", "state"] as const,
    registers,
    collect() {
      for (const [name, prisma] of Object.entries(sources.pools)) {
        const pool = connectionPoolOf(prisma);
        if (!pool) continue;
        this.set({ pool: name, state: "total" }, pool.totalCount);
        this.set({ pool: name, state: "idle" }, pool.idleCount);
        this.set({ pool: name, state: "waiting" }, pool.waitingCount);
      }
    },
  });

  return {
    registry,
    httpRequest: (method, route, status, seconds) => http.observe({ method, route, status: String(status) }, seconds),
    graphqlOperation: (type, field, outcome, seconds) => graphql.observe({ type, field, outcome }, seconds),
    webhookAttempt: (outcome) => webhooks.inc({ outcome }),
    judgment: (workforce, taskStatus, count = 1) => judgments.inc({ workforce, task_status: taskStatus }, count),
  };
}
