// Request rate limits per API key (by tier) and, for registration, per client
// address — rate-limiter-flexible, in Redis when REDIS_URL is set (shared by
// every process), in memory otherwise. Each decision becomes the IETF
// RateLimit-Policy / RateLimit headers, and Retry-After when refused.
import { Redis } from "ioredis";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import type { Config, RateLimit } from "../config.js";
import { AppError } from "../domain/shared/index.js";

export type RatePlan = "sandbox" | "live" | "registration";

export interface RateDecision {
  plan: RatePlan;
  allowed: boolean;
  limit: number;
  windowSeconds: number;
  remaining: number;
  /** Seconds until the window resets. */
  resetSeconds: number;
}

export interface RateLimits {
  /** Charges `points` to `subject` (an API key's customer, or a client address) under a plan. */
  charge(plan: RatePlan, subject: string, points: number): Promise<RateDecision>;
  close(): Promise<void>;
}

export function createRateLimits(config: Pick<Config, "redisUrl" | "redisKeyPrefix" | "rateLimits">): RateLimits {
  // Commands wait for the connection (no split counts while it is being made); a
  // Redis that stays away fails them after one retry, and the insurance limiter answers.
  const redis = config.redisUrl ? new Redis(config.redisUrl, { maxRetriesPerRequest: 1 }) : undefined;
  const limiters = Object.fromEntries(
    (Object.entries(config.rateLimits) as [RatePlan, RateLimit][]).map(([plan, limit]) => {
      // The policy is part of the key: a changed limit starts fresh counters instead of misreading old ones.
      const options = { keyPrefix: `${config.redisKeyPrefix}rl:${plan}:${limit.points}/${limit.windowSeconds}`, points: limit.points, duration: limit.windowSeconds };
      // A Redis outage falls back to per-process limits instead of failing requests.
      const limiter: RateLimiterAbstract = redis
        ? new RateLimiterRedis({ ...options, storeClient: redis, insuranceLimiter: new RateLimiterMemory(options) })
        : new RateLimiterMemory(options);
      return [plan, { limiter, limit }];
    }),
  ) as Record<RatePlan, { limiter: RateLimiterAbstract; limit: RateLimit }>;

  return {
    charge: async (plan, subject, points) => {
      const { limiter, limit } = limiters[plan];
      let result: RateLimiterRes;
      let allowed = true;
      try {
        result = await limiter.consume(subject, Math.min(points, limit.points));
      } catch (refusal) {
        if (!(refusal instanceof RateLimiterRes)) throw refusal;
        result = refusal;
        allowed = false;
      }
      return {
        plan,
        allowed,
        limit: limit.points,
        windowSeconds: limit.windowSeconds,
        remaining: Math.max(0, result.remainingPoints),
        resetSeconds: Math.max(1, Math.ceil(result.msBeforeNext / 1000)),
      };
    },
    close: async () => {
      redis?.disconnect();
    },
  };
}

/** The IETF RateLimit headers (draft-ietf-httpapi-ratelimit-headers), plus Retry-After when refused. */
export function rateLimitHeaders(decision: RateDecision): Record<string, string> {
  return {
    "RateLimit-Policy": `"${decision.plan}";q=${decision.limit};w=${decision.windowSeconds}`,
    RateLimit: `"${decision.plan}";r=${decision.remaining};t=${decision.resetSeconds}`,
    ...(decision.allowed ? {} : { "Retry-After": String(decision.resetSeconds) }),
  };
}

export class RateLimitedError extends AppError {
  constructor(decision: RateDecision) {
    super("rate_limited", `rate limit of ${decision.limit} per ${decision.windowSeconds} s exceeded; retry in ${decision.resetSeconds} s`, {
      retry_after: decision.resetSeconds,
    });
  }
}
