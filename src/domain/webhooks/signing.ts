// Standard Webhooks signing: the secrets (one per registered webhook, one per
// customer for tasks' callback_url) and the signed headers of a delivery.
import { randomBytes } from "node:crypto";
import { Webhook as StandardWebhook } from "standardwebhooks";
import type { Deps } from "../../deps.js";
import { secretBox } from "../shared/index.js";

export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

/**
 * The secret that signs deliveries to tasks' callback_url (Standard Webhooks,
 * like registered webhooks), one per customer, made on first use. Customers
 * read it from their profile.
 */
export async function callbackSecret(
  deps: Pick<Deps, "prisma" | "config">,
  customerId: string,
  /** The customer's stored value, when the caller has already read it. */
  known?: { callbackSecretSealed: string | null },
): Promise<string> {
  const box = secretBox(deps.config.serverSecret);
  const customer =
    known ?? (await deps.prisma.customer.findUniqueOrThrow({ where: { id: customerId }, select: { callbackSecretSealed: true } }));
  if (customer.callbackSecretSealed) return box.open(customer.callbackSecretSealed);
  const secret = generateWebhookSecret();
  // Only the first writer wins, so concurrent first uses agree on one secret.
  await deps.prisma.customer.updateMany({ where: { id: customerId, callbackSecretSealed: null }, data: { callbackSecretSealed: box.seal(secret) } });
  return callbackSecret(deps, customerId);
}

/** The headers of one delivery attempt: webhook-id is the event id, stable across retries. */
export function signedHeaders(secret: string, eventId: string, body: string, timestamp = new Date()): Record<string, string> {
  return {
    "content-type": "application/json",
    "user-agent": "ASG-Refinery-Webhooks/1",
    "webhook-id": eventId,
    "webhook-timestamp": String(Math.floor(timestamp.getTime() / 1000)),
    "webhook-signature": new StandardWebhook(secret).sign(eventId, timestamp, body),
  };
}
