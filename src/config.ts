// The only reader of process.env: configuration is parsed once, at start-up.
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import path from "node:path";
import { z } from "zod";

const booleanFlag = z
  .enum(["true", "false", "1", "0", ""])
  .optional()
  .transform((value) => value === "true" || value === "1");

const rateLimit = z.string().regex(/^[1-9]\d*\/(s|m|h)$/, "like 50/s, 3000/m or 30/h");

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8081),
  HOST: z.string().min(1).default("0.0.0.0"),
  DATA_DIR: z.string().min(1).default("./data"),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgresql:// URL")
    .optional()
    .or(z.literal("").transform(() => undefined)),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, "must be a redis:// URL")
    .optional()
    .or(z.literal("").transform(() => undefined)),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  SERVER_SECRET: z.string().min(32, "must be at least 32 characters").optional(),
  ADMIN_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  METRICS_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  BODY_LIMIT: z.string().regex(/^\d+(b|kb|mb)$/i, "like 1mb or 512kb").default("5mb"),
  ALLOW_PRIVATE_WEBHOOK_TARGETS: booleanFlag,
  SANDBOX_SEED: z.coerce.number().int().default(42),
  SANDBOX_CROWD: z
    .string()
    .regex(
      /^(0(\.\d+)?|1(\.0+)?)(@\d+(\.\d+)?)?(,(0(\.\d+)?|1(\.0+)?)(@\d+(\.\d+)?)?){6,}$/,
      "at least 7 accuracies between 0 and 1, each optionally @seconds per answer, like 0.95,0.9,0.9,0.85,0.8,0.7,0.6 or 0.5,0.9@0.5,…",
    )
    .default("0.95,0.9,0.9,0.85,0.8,0.7,0.6"),
  ROLE: z.enum(["api", "worker", "all"]).default("all"),
  // Replaced by ROLE: refused rather than ignored, so that an API-only deployment never starts workers unawares.
  WORKERS: z.undefined({ message: "was replaced by ROLE (WORKERS=off → ROLE=api, WORKERS=on → ROLE=all)" }).optional(),
  // Eight attempts over about 41 hours by default.
  WEBHOOK_RETRY_SCHEDULE: z
    .string()
    .regex(/^\d+(\.\d+)?(ms|s|m|h)(,\d+(\.\d+)?(ms|s|m|h))*$/, "like 5s,5m,30m,2h")
    .default("5s,5m,30m,2h,5h,10h,24h"),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  // How long GET /v1/events can replay an event (an event with a delivery still retrying is kept until it settles).
  EVENT_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  REDIS_KEY_PREFIX: z.string().regex(/^[A-Za-z0-9:_-]{1,64}$/, "letters, digits, ':', '_' or '-'").default("refinery:"),
  // Requests (GraphQL: points by query cost) per window, e.g. 50/s, 3000/m, 30/h.
  RATE_LIMIT_SANDBOX: rateLimit.default("50/s"),
  RATE_LIMIT_LIVE: rateLimit.default("500/s"),
  RATE_LIMIT_REGISTRATION: rateLimit.default("30/h"),
  HEADERS_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(120_000).default(10_000),
  REQUEST_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(600_000).default(30_000),
  WS_MAX_PAYLOAD: z.string().regex(/^\d+(b|kb|mb)$/i, "like 1mb or 512kb").default("1mb"),
  WS_MAX_SUBSCRIPTIONS: z.coerce.number().int().min(1).max(10_000).default(100),
  // Batch jobs: where s3:// manifests are read (empty: AWS), and what a manifest may hold.
  S3_ENDPOINT: z.url({ protocol: /^https?$/, message: "must be an http(s):// URL" }).optional().or(z.literal("").transform(() => undefined)),
  JOB_MAX_LINES: z.coerce.number().int().min(1).max(10_000_000).default(1_000_000),
  JOB_MAX_LINE_BYTES: z.coerce.number().int().min(100).max(10_000_000).default(65_536),
  // How long an ingesting process holds a job before another may take over (it renews while alive).
  JOB_LEASE_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(60_000),
  // Price of one label of a live customer, per task type, in minor units of CURRENCY.
  PRICE_LIST: z
    .string()
    .regex(/^[a-z_]+=\d{1,9}(,[a-z_]+=\d{1,9})*$/, "like image_classification=8,bounding_box=25")
    .default("image_classification=8,text_classification=5,multi_label_classification=10,bounding_box=25,named_entity=15,rating=10,text_response=20,pairwise_preference=10,polygon=40,keypoints=30"),
  CURRENCY: z.string().regex(/^[a-z]{3}$/, "an ISO 4217 code in lower case, like usd").default("usd"),
});

export interface RateLimit {
  points: number;
  windowSeconds: number;
}

function parseRateLimit(value: string): RateLimit {
  const [points, unit] = value.split("/");
  return { points: Number(points), windowSeconds: { s: 1, m: 60, h: 3600 }[unit as "s" | "m" | "h"] };
}

const SIZE_UNITS = { b: 1, kb: 1024, mb: 1024 * 1024 } as const;
function parseSize(size: string): number {
  const [, amount, unit] = size.toLowerCase().match(/^(\d+)(b|kb|mb)$/)!;
  return Number(amount) * SIZE_UNITS[unit as keyof typeof SIZE_UNITS];
}

const UNIT_MS = { ms: 1, s: 1e3, m: 6e4, h: 36e5 } as const;
function parseDurations(list: string): number[] {
  return list.split(",").map((item) => {
    const [, amount, unit] = item.match(/^(\d+(?:\.\d+)?)(ms|s|m|h)$/)!;
    return Math.round(Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS]);
  });
}

export type Config = {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl?: string;
  redisUrl?: string;
  logLevel: z.infer<typeof envSchema>["LOG_LEVEL"];
  serverSecret: string;
  adminToken?: string;
  /** Bearer token a Prometheus scraper must send to /metrics; open when unset. */
  metricsToken?: string;
  bodyLimit: string;
  allowPrivateWebhookTargets: boolean;
  sandboxSeed: number;
  /** Accuracy of each simulated sandbox annotator. */
  /** Each simulated annotator's accuracy and the seconds it takes per answer (SANDBOX_CROWD "accuracy[@seconds]"). */
  sandboxCrowd: { accuracy: number; seconds?: number }[];
  /**
   * api: HTTP, GraphQL and WebSocket; worker: the background loops (sandbox
   * labeler, webhook delivery, manifest ingestion, invoicing), with only
   * /v1/health and /metrics over HTTP; all: both (the embedded default).
   */
  role: "api" | "worker" | "all";
  webhookRetryScheduleMs: number[];
  webhookTimeoutMs: number;
  /** Days the event feed keeps an event. */
  eventRetentionDays: number;
  /** Prefix of the keys this service writes in Redis (rate-limit counters). */
  redisKeyPrefix: string;
  rateLimits: { sandbox: RateLimit; live: RateLimit; registration: RateLimit };
  /** Time a client has to send its request headers, and its whole request. */
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  /** Largest graphql-ws message, in bytes. */
  wsMaxPayloadBytes: number;
  wsMaxSubscriptions: number;
  jobs: { s3Endpoint?: string; maxLines: number; maxLineBytes: number; leaseMs: number };
  /** Live labels' unit prices by task type (minor units); sandbox labels cost 0. */
  prices: Record<string, number>;
  currency: string;
};

export class ConfigError extends Error {}

/** DATA_DIR as the server resolves it, read without the rest of the configuration (nor its side effects). */
export function dataDirOf(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.DATA_DIR || "./data");
}

/** Parses the environment; throws ConfigError with a one-line explanation. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    throw new ConfigError(`invalid configuration: ${problems.join("; ")}`);
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.DATA_DIR);
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir,
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    logLevel: e.LOG_LEVEL,
    serverSecret: e.SERVER_SECRET ?? persistedServerSecret(dataDir),
    adminToken: e.ADMIN_TOKEN,
    metricsToken: e.METRICS_TOKEN,
    bodyLimit: e.BODY_LIMIT,
    allowPrivateWebhookTargets: e.ALLOW_PRIVATE_WEBHOOK_TARGETS,
    sandboxSeed: e.SANDBOX_SEED,
    sandboxCrowd: e.SANDBOX_CROWD.split(",").map((entry) => {
      const [accuracy, seconds] = entry.split("@");
      return { accuracy: Number(accuracy), ...(seconds === undefined ? {} : { seconds: Number(seconds) }) };
    }),
    role: e.ROLE,
    webhookRetryScheduleMs: parseDurations(e.WEBHOOK_RETRY_SCHEDULE),
    webhookTimeoutMs: e.WEBHOOK_TIMEOUT_MS,
    eventRetentionDays: e.EVENT_RETENTION_DAYS,
    redisKeyPrefix: e.REDIS_KEY_PREFIX,
    rateLimits: {
      sandbox: parseRateLimit(e.RATE_LIMIT_SANDBOX),
      live: parseRateLimit(e.RATE_LIMIT_LIVE),
      registration: parseRateLimit(e.RATE_LIMIT_REGISTRATION),
    },
    headersTimeoutMs: e.HEADERS_TIMEOUT_MS,
    requestTimeoutMs: Math.max(e.REQUEST_TIMEOUT_MS, e.HEADERS_TIMEOUT_MS),
    wsMaxPayloadBytes: parseSize(e.WS_MAX_PAYLOAD),
    wsMaxSubscriptions: e.WS_MAX_SUBSCRIPTIONS,
    jobs: { s3Endpoint: e.S3_ENDPOINT, maxLines: e.JOB_MAX_LINES, maxLineBytes: e.JOB_MAX_LINE_BYTES, leaseMs: e.JOB_LEASE_MS },
    prices: Object.fromEntries(e.PRICE_LIST.split(",").map((item) => [item.split("=")[0], Number(item.split("=")[1])])),
    currency: e.CURRENCY,
  };
}

/** The embedded default needs no setup: a secret is generated once and kept in DATA_DIR. */
function persistedServerSecret(dataDir: string): string {
  const file = path.join(dataDir, "server-secret");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString("base64url");
  try {
    writeFileSync(file, secret + "\n", { mode: 0o600, flag: "wx" });
    return secret;
  } catch (error) {
    // Another process created it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return readFileSync(file, "utf8").trim();
    throw error;
  }
}
