// Delivering outbox events to webhook endpoints: Standard Webhooks signatures,
// a timeout, no redirects, retries with exponential backoff and jitter, 410
// disables the endpoint, every attempt logged. At least once, with a stable
// webhook-id (the event id).
import http from "node:http";
import https from "node:https";
import { transaction } from "../../db/transaction.js";
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

function withJitter(delayMs: number, random = Math.random): number {
  return Math.round(delayMs * (0.9 + 0.2 * random()));
}

/**
 * Claims one due delivery, at most one in flight per endpoint. The claim is a
 * lease (locked_until): a process that dies mid-delivery lets it expire and
 * another process delivers it.
 */
export async function claimDueDelivery(deps: Pick<Deps, "prisma">, leaseMs: number): Promise<string | null> {
  return transaction(deps.prisma, async (tx) => {
    const rows = await tx.$queryRaw<{ id: string }[]>`
      SELECT d.id FROM webhook_deliveries d
      LEFT JOIN webhooks w ON w.id = d.webhook_id
      WHERE d.status IN ('pending', 'retrying') AND d.next_attempt_at <= now()
        AND (d.locked_until IS NULL OR d.locked_until < now())
        AND (d.webhook_id IS NULL OR w.status = 'active')
        AND NOT EXISTS (
          SELECT 1 FROM webhook_deliveries busy
          WHERE COALESCE(busy.webhook_id, busy.target_url) = COALESCE(d.webhook_id, d.target_url)
            AND busy.locked_until > now() AND busy.status IN ('pending', 'retrying')
        )
      ORDER BY d.next_attempt_at, d.id
      LIMIT 1
      FOR UPDATE OF d SKIP LOCKED`;
    if (rows.length === 0) return null;
    await tx.webhookDelivery.update({ where: { id: rows[0].id }, data: { lockedUntil: new Date(Date.now() + leaseMs) } });
    return rows[0].id;
  });
}

interface AttemptOutcome {
  statusCode: number | null;
  durationMs: number;
  responseExcerpt: string | null;
  error: string | null;
}

/** Makes one attempt at a claimed delivery and records it; answers the delivery's status after it. */
export async function attemptDelivery(deps: Pick<Deps, "prisma" | "config" | "logger">, deliveryId: string, policy: DeliveryPolicy) {
  const delivery = await deps.prisma.webhookDelivery.findUniqueOrThrow({
    where: { id: deliveryId },
    include: { webhook: true, event: true },
  });
  const body = JSON.stringify(delivery.event.payload);
  const { webhook } = delivery;
  const url = webhook?.url ?? delivery.targetUrl!;
  const secret = webhook
    ? secretBox(deps.config.serverSecret).open(webhook.secretSealed)
    : await callbackSecret(deps, delivery.event.customerId);
  const outcome = await post(url, signedHeaders(secret, delivery.eventId, body), body, policy);
  const attemptNumber = delivery.attempts + 1;
  const succeeded = outcome.statusCode !== null && outcome.statusCode >= 200 && outcome.statusCode < 300;
  const gone = outcome.statusCode === 410;
  const retriesLeft = attemptNumber <= policy.retryScheduleMs.length;
  const status = succeeded ? "succeeded" : gone || !retriesLeft ? "failed" : "retrying";
  const nextAttemptAt = status === "retrying" ? new Date(Date.now() + withJitter(policy.retryScheduleMs[attemptNumber - 1])) : null;

  await transaction(deps.prisma, async (tx) => {
    await tx.webhookAttempt.create({ data: { id: newId("att"), deliveryId, attemptNumber, ...outcome } });
    await tx.webhookDelivery.update({
      where: { id: deliveryId },
      data: {
        status,
        attempts: attemptNumber,
        lockedUntil: null,
        nextAttemptAt: nextAttemptAt ?? delivery.nextAttemptAt,
        lastStatusCode: outcome.statusCode,
        lastError: outcome.error,
      },
    });
    // Endpoint health is tracked for registered webhooks; a task's callback_url has none.
    if (!webhook) return;
    if (succeeded) {
      // Only when it was failing: a healthy endpoint's row is not rewritten at every delivery.
      if (webhook.failingSince !== null) await tx.webhook.updateMany({ where: { id: webhook.id }, data: { failingSince: null } });
    } else if (gone) {
      // 410 Gone: the receiver asks us to stop.
      await tx.webhook.update({ where: { id: webhook.id }, data: { status: "disabled", disabledReason: "receiver answered 410 Gone" } });
    } else if (webhook.failingSince === null) {
      await tx.webhook.update({ where: { id: webhook.id }, data: { failingSince: new Date() } });
    }
  });
  deps.logger.info({ deliveryId, webhookId: delivery.webhookId ?? "callback_url", eventId: delivery.eventId, attempt: attemptNumber, statusCode: outcome.statusCode, status }, "webhook attempt");
  return status;
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
        agent: false,
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
