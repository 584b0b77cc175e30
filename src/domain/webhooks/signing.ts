// Standard Webhooks signing: the secrets (one per registered webhook, one per
// customer environment for tasks' callback_url) and the signed headers of a delivery.
import { randomBytes } from "node:crypto";
import { Webhook as StandardWebhook } from "standardwebhooks";
import type { Deps } from "../../deps.js";
import { secretBox, type Tenant } from "../shared/index.js";

export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

/** The customers column that holds each environment's callback secret. */
const CALLBACK_SECRET_FIELD = { sandbox: "callbackSecretSealed", live: "liveCallbackSecretSealed" } as const;

export interface StoredCallbackSecrets {
  callbackSecretSealed: string | null;
  liveCallbackSecretSealed: string | null;
}

/**
 * The secret that signs deliveries to tasks' callback_url (Standard Webhooks,
 * like registered webhooks), one per customer environment, made on first use:
 * a sandbox key's profile never shows the one that signs live callbacks.
 * Customers read it from their profile.
 */
export async function callbackSecret(
  deps: Pick<Deps, "prisma" | "config">,
  tenant: Tenant,
  /** The customer's stored values, when the caller has already read them. */
  known?: StoredCallbackSecrets,
): Promise<string> {
  const box = secretBox(deps.config.serverSecret);
  const field = CALLBACK_SECRET_FIELD[tenant.environment === "live" ? "live" : "sandbox"];
  const customer =
    known ?? (await deps.prisma.customer.findUniqueOrThrow({ where: { id: tenant.customerId }, select: { callbackSecretSealed: true, liveCallbackSecretSealed: true } }));
  const sealed = customer[field];
  if (sealed) return box.open(sealed);
  const secret = generateWebhookSecret();
  // Only the first writer wins, so concurrent first uses agree on one secret.
  await deps.prisma.customer.updateMany({ where: { id: tenant.customerId, [field]: null }, data: { [field]: box.seal(secret) } });
  return callbackSecret(deps, tenant);
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
