// Delivering outbox events to webhook endpoints: Standard Webhooks signatures,
// a timeout, no redirects, retries with exponential backoff and jitter, 410
// disables the endpoint, every attempt logged. At least once, with a stable
// webhook-id (the event id).
import http from "node:http";
import https from "node:https";
import { transaction } from "../../db/transaction.js";
import { existenceCheck, preparedStatement } from "../../db/database.js";
import { Prisma } from "../../generated/prisma/client.js";
import type { Deps } from "../../deps.js";
import { newId, secretBox } from "../shared/index.js";
import { callbackSecret, signedHeaders } from "./signing.js";
import { guardedLookup, refusedLiteralTarget } from "./targets.js";

export interface DeliveryPolicy {
  /** Delay before retry n (after attempt n); its length is the number of retries. */
  retryScheduleMs: number[];
  timeoutMs: number;
  allowPrivateTargets: boolean;
}

const RESPONSE_EXCERPT_BYTES = 1024;

/**
 * Connections are kept open between deliveries to the same host (a new TCP,
 * and TLS, connection per delivery was most of its cost). Idle ones close
 * after 2 s, before common servers close theirs (Node 5 s, nginx 75 s), so a
 * delivery seldom meets a connection the receiver is closing. A kept
 * connection was checked by the SSRF guard when it was opened.
 */
const KEEP_ALIVE = { keepAlive: true, timeout: 2_000 };
const agents = { "http:": new http.Agent(KEEP_ALIVE), "https:": new https.Agent(KEEP_ALIVE) };

function withJitter(delayMs: number, random = Math.random): number {
  return Math.round(delayMs * (0.9 + 0.2 * random()));
}

/** A claimed delivery, with what its attempt needs: event, endpoint and secret. */
export interface ClaimedDelivery {
  id: string;
  attempts: number;
  nextAttemptAt: Date;
  eventId: string;
  customerId: string;
  environment: string;
  payload: unknown;
  webhookId: string | null;
  /** The registered webhook's URL, or the task's callback_url. */
  url: string;
  secretSealed: string | null;
  callbackSecretSealed: string | null;
  liveCallbackSecretSealed: string | null;
}

/** A delivery `d` that is due and not leased, to an active webhook or a task's callback_url. */
const DUE = `d.status IN ('pending', 'retrying') AND d.next_attempt_at <= now()
  AND (d.locked_until IS NULL OR d.locked_until < now())
  AND (d.webhook_id IS NULL OR EXISTS (SELECT 1 FROM webhooks w WHERE w.id = d.webhook_id AND w.status = 'active'))`;

const anyDueDelivery = existenceCheck(
  "any-due-delivery",
  "SELECT 1 FROM webhook_deliveries WHERE status IN ('pending', 'retrying') AND next_attempt_at <= now() LIMIT 1",
);

/** Whether any delivery is due (leased or not): an idle deliverer looks before it claims. */
export function hasDueDeliveries(deps: Pick<Deps, "prisma">): Promise<boolean> {
  return anyDueDelivery(deps.prisma, []);
}

/**
 * Claims up to `limit` due deliveries, at most one per endpoint and none for
 * an endpoint that has one in flight. The claim is a lease (locked_until): a
 * process that dies mid-delivery lets it expire and another process delivers
 * it. One transaction for the lot, which also reads what the attempts need:
 * claiming and reading them one by one capped delivery at ~160/s.
 */
export async function claimDueDeliveries(deps: Pick<Deps, "prisma">, leaseMs: number, limit: number): Promise<ClaimedDelivery[]> {
  if (limit <= 0) return [];
  return transaction(deps.prisma, async (tx) => {
    // A few rows per slot: an endpoint with many due deliveries takes one slot, not all.
    const due = await tx.$queryRaw<{ id: string; endpoint: string }[]>`
      SELECT d.id, COALESCE(d.webhook_id, d.target_url) AS endpoint FROM webhook_deliveries d
      WHERE ${Prisma.raw(DUE)}
        AND NOT EXISTS (
          SELECT 1 FROM webhook_deliveries busy
          WHERE COALESCE(busy.webhook_id, busy.target_url) = COALESCE(d.webhook_id, d.target_url)
            AND busy.locked_until > now() AND busy.status IN ('pending', 'retrying')
        )
      ORDER BY d.next_attempt_at, d.id
      LIMIT ${limit * 4}
      FOR UPDATE OF d SKIP LOCKED`;
    const endpoints = new Set<string>();
    const picked: string[] = [];
    for (const row of due) {
      if (picked.length === limit || endpoints.has(row.endpoint)) continue;
      endpoints.add(row.endpoint);
      picked.push(row.id);
    }
    if (picked.length === 0) return [];
    return tx.$queryRaw<ClaimedDelivery[]>`
      WITH claimed AS (
        UPDATE webhook_deliveries SET locked_until = ${leaseEnd(leaseMs)} WHERE id = ANY(${picked})
        RETURNING ${Prisma.raw(CLAIMED_COLUMNS)})
      ${Prisma.raw(SELECT_CLAIMED)}`;
  });
}

const leaseEnd = (leaseMs: number) => new Date(Date.now() + leaseMs);

/** What the `claimed` CTE returns, and how SELECT_CLAIMED reads it with what an attempt needs. */
const CLAIMED_COLUMNS = "id, attempts, next_attempt_at, event_id, webhook_id, target_url";
const SELECT_CLAIMED = `
  SELECT c.id, c.attempts, c.next_attempt_at AS "nextAttemptAt", c.event_id AS "eventId", e.customer_id AS "customerId",
         e.environment, e.payload, c.webhook_id AS "webhookId", COALESCE(w.url, c.target_url) AS url, w.secret_sealed AS "secretSealed",
         cu.callback_secret_sealed AS "callbackSecretSealed", cu.live_callback_secret_sealed AS "liveCallbackSecretSealed"
  FROM claimed c
  JOIN events e ON e.id = c.event_id
  JOIN customers cu ON cu.id = e.customer_id
  LEFT JOIN webhooks w ON w.id = c.webhook_id`;

/**
 * An attempt's outcome in one statement (atomic without a transaction's round
 * trips): the attempt's log row, the delivery's state, the endpoint's health
 * (a task's callback_url has none), and, when asked ($13), the endpoint's next
 * due delivery. A healthy endpoint's row is not rewritten at every delivery;
 * 410 Gone disables it (the receiver asks us to stop).
 */
const recordAttempt = preparedStatement<ClaimedDelivery>(
  "webhook-record-attempt",
  `WITH attempt AS (
     INSERT INTO webhook_attempts (id, delivery_id, attempt_number, status_code, duration_ms, response_excerpt, error)
     VALUES ($1, $2, $3, $4::int, $5::int, $6::text, $7::text)
   ), health AS (
     UPDATE webhooks SET
       failing_since = CASE WHEN $8::boolean THEN NULL WHEN $9::boolean THEN failing_since ELSE COALESCE(failing_since, now()) END,
       status = CASE WHEN $9::boolean THEN 'disabled' ELSE status END,
       disabled_reason = CASE WHEN $9::boolean THEN 'receiver answered 410 Gone' ELSE disabled_reason END
     WHERE id = $10::text AND ($9::boolean OR (failing_since IS NULL) <> $8::boolean)
   ), recorded AS (
     UPDATE webhook_deliveries SET status = $11, attempts = $3, locked_until = NULL, next_attempt_at = $12,
       last_status_code = $4::int, last_error = $7::text
     WHERE id = $2
   ), claimed AS (
     UPDATE webhook_deliveries SET locked_until = $14
     WHERE $13::boolean AND id IN (
       SELECT d.id FROM webhook_deliveries d
       WHERE COALESCE(d.webhook_id, d.target_url) = $15::text AND d.id <> $2 AND ${DUE}
       ORDER BY d.next_attempt_at, d.id
       LIMIT 1
       FOR UPDATE SKIP LOCKED)
     RETURNING ${CLAIMED_COLUMNS}
   )
   ${SELECT_CLAIMED}`,
);

interface AttemptOutcome {
  statusCode: number | null;
  durationMs: number;
  responseExcerpt: string | null;
  error: string | null;
}

/**
 * Makes one attempt at a claimed delivery and records it. After a success,
 * when `claimNext` is given, the same statement claims the endpoint's next
 * due delivery, so a backlog flows to a healthy endpoint without waiting for
 * a claim. Answers the delivery's status, and that next delivery (or null).
 */
export async function attemptDelivery(
  deps: Pick<Deps, "prisma" | "config" | "logger">,
  delivery: ClaimedDelivery,
  policy: DeliveryPolicy,
  claimNext: { leaseMs: number } | null,
): Promise<{ status: string; next: ClaimedDelivery | null }> {
  const body = JSON.stringify(delivery.payload);
  const secret = delivery.secretSealed
    ? secretBox(deps.config.serverSecret).open(delivery.secretSealed)
    : await callbackSecret(deps, delivery, delivery);
  const outcome = await post(delivery.url, signedHeaders(secret, delivery.eventId, body), body, policy);
  const attemptNumber = delivery.attempts + 1;
  const succeeded = outcome.statusCode !== null && outcome.statusCode >= 200 && outcome.statusCode < 300;
  const gone = outcome.statusCode === 410;
  const retriesLeft = attemptNumber <= policy.retryScheduleMs.length;
  const status = succeeded ? "succeeded" : gone || !retriesLeft ? "failed" : "retrying";
  const nextAttemptAt = status === "retrying" ? new Date(Date.now() + withJitter(policy.retryScheduleMs[attemptNumber - 1])) : delivery.nextAttemptAt;
  const chain = succeeded && claimNext !== null;

  const [next] = await recordAttempt(deps.prisma, [
    newId("att"), delivery.id, attemptNumber, outcome.statusCode, outcome.durationMs, outcome.responseExcerpt, outcome.error,
    succeeded, gone, delivery.webhookId, status, nextAttemptAt,
    chain, leaseEnd(claimNext?.leaseMs ?? 0), delivery.webhookId ?? delivery.url,
  ]);
  deps.logger.info({ deliveryId: delivery.id, webhookId: delivery.webhookId ?? "callback_url", eventId: delivery.eventId, attempt: attemptNumber, statusCode: outcome.statusCode, status }, "webhook attempt");
  return { status, next: next ?? null };
}

/** POST without following redirects, within the timeout, to a checked address. */
function post(url: string, headers: Record<string, string>, body: string, policy: DeliveryPolicy): Promise<AttemptOutcome> {
  const started = Date.now();
  const target = new URL(url);
  const client = target.protocol === "https:" ? https : http;
  const refused = refusedLiteralTarget(target, policy.allowPrivateTargets);
  if (refused) return Promise.resolve({ statusCode: null, durationMs: 0, responseExcerpt: null, error: refused.message });
  return new Promise((resolve) => {
    let settled = false;
    const finish = (outcome: Omit<AttemptOutcome, "durationMs">) => {
      if (settled) return;
      settled = true;
      resolve({ ...outcome, durationMs: Date.now() - started });
    };
    const request = client.request(
      target,
      {
        method: "POST",
        headers: { ...headers, "content-length": Buffer.byteLength(body) },
        lookup: guardedLookup(policy.allowPrivateTargets),
        timeout: policy.timeoutMs,
        agent: agents[target.protocol as keyof typeof agents],
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on("data", (chunk: Buffer) => {
          if (size < RESPONSE_EXCERPT_BYTES) chunks.push(chunk);
          size += chunk.length;
        });
        response.on("end", () =>
          finish({
            statusCode: response.statusCode ?? null,
            responseExcerpt: Buffer.concat(chunks).subarray(0, RESPONSE_EXCERPT_BYTES).toString("utf8") || null,
            error: response.statusCode && response.statusCode >= 300 && response.statusCode < 400 ? "redirect not followed" : null,
          }),
        );
        response.on("error", (error) => finish({ statusCode: response.statusCode ?? null, responseExcerpt: null, error: error.message }));
      },
    );
    const deadline = setTimeout(() => {
      request.destroy(new Error(`no response within ${policy.timeoutMs} ms`));
    }, policy.timeoutMs);
    request.on("timeout", () => request.destroy(new Error(`no response within ${policy.timeoutMs} ms`)));
    request.on("error", (error) => finish({ statusCode: null, responseExcerpt: null, error: error.message }));
    request.on("close", () => clearTimeout(deadline));
    request.end(body);
  });
}
