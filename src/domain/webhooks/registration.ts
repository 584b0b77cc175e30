// Webhook endpoints: registration (URL checked against SSRF, secret encrypted
// at rest), listing, deletion, secret rotation, the delivery log, redelivery.
import { z } from "zod";
import type { Deps } from "../../deps.js";
import type { Webhook, WebhookDelivery } from "../../generated/prisma/client.js";
import { AppError, httpUrl, newId, NotFoundError, parseInput, secretBox, tenantOf, type CustomerActor } from "../shared/index.js";
import { EVENT_TYPES } from "./outbox.js";
import { generateWebhookSecret } from "./signing.js";
import { assertSafeTarget } from "./targets.js";
import { auditCustomerChange } from "../audit/index.js";
import { transaction } from "../../db/transaction.js";

/** Per customer environment: a sandbox key's endpoints never receive live events. */
const MAX_WEBHOOKS_PER_CUSTOMER = 20;

const secretSchema = z
  .string()
  .regex(/^whsec_[A-Za-z0-9+/]+={0,2}$/, "must be whsec_ followed by base64")
  .refine((secret) => {
    const bytes = Buffer.from(secret.slice(6), "base64").length;
    return bytes >= 24 && bytes <= 64;
  }, "must encode 24 to 64 random bytes");

export const webhookInputSchema = z
  .object({
    callbackUrl: httpUrl.refine((value) => {
      const url = new URL(value);
      return !url.username && !url.password;
    }, "must not contain credentials"),
    secret: secretSchema.optional(),
    events: z.array(z.enum(EVENT_TYPES)).min(1, "needs at least one event type").optional(),
  })
  .strict();

export interface CreatedWebhook {
  webhook: Webhook;
  /** Only when the server generated it: shown this once. */
  generatedSecret?: string;
}

/** POST /v1/webhooks, createWebhook. */
export async function createWebhook(deps: Pick<Deps, "prisma" | "config">, actor: CustomerActor, input: unknown): Promise<CreatedWebhook> {
  const value = parseInput(webhookInputSchema, input);
  await assertSafeTarget(new URL(value.callbackUrl), deps.config.allowPrivateWebhookTargets, "callbackUrl");
  const count = await deps.prisma.webhook.count({ where: tenantOf(actor) });
  if (count >= MAX_WEBHOOKS_PER_CUSTOMER) {
    throw new AppError("too_many_webhooks", `a customer may register at most ${MAX_WEBHOOKS_PER_CUSTOMER} webhooks per environment`);
  }
  const secret = value.secret ?? generateWebhookSecret();
  const webhook = await transaction(deps.prisma, async (tx) => {
    const created = await tx.webhook.create({
      data: {
        id: newId("whk"),
        ...tenantOf(actor),
        url: value.callbackUrl,
        secretSealed: secretBox(deps.config.serverSecret).seal(secret),
        events: value.events ?? [...EVENT_TYPES],
        status: "active",
      },
    });
    await auditCustomerChange(tx, actor, { action: "webhook.created", targetId: created.id, details: { url: created.url, events: created.events } });
    return created;
  });
  return { webhook, generatedSecret: value.secret ? undefined : secret };
}

export function listWebhooks(deps: Pick<Deps, "prisma">, actor: CustomerActor): Promise<Webhook[]> {
  return deps.prisma.webhook.findMany({ where: tenantOf(actor), orderBy: { id: "asc" } });
}

export async function getWebhook(deps: Pick<Deps, "prisma">, actor: CustomerActor, webhookId: string): Promise<Webhook> {
  const webhook = await deps.prisma.webhook.findFirst({ where: { id: webhookId, ...tenantOf(actor) } });
  if (!webhook) throw new NotFoundError(`webhook ${webhookId}`);
  return webhook;
}

/** DELETE /v1/webhooks/{id}: pending deliveries go with it. */
export async function deleteWebhook(deps: Pick<Deps, "prisma">, actor: CustomerActor, webhookId: string): Promise<void> {
  await transaction(deps.prisma, async (tx) => {
    const deleted = await tx.webhook.deleteMany({ where: { id: webhookId, ...tenantOf(actor) } });
    if (deleted.count === 0) throw new NotFoundError(`webhook ${webhookId}`);
    await auditCustomerChange(tx, actor, { action: "webhook.deleted", targetId: webhookId });
  });
}

/** A new secret, returned once; deliveries from now on are signed with it. */
export async function rotateWebhookSecret(deps: Pick<Deps, "prisma" | "config">, actor: CustomerActor, webhookId: string) {
  await getWebhook(deps, actor, webhookId);
  const secret = generateWebhookSecret();
  const webhook = await transaction(deps.prisma, async (tx) => {
    await auditCustomerChange(tx, actor, { action: "webhook.secret_rotated", targetId: webhookId });
    return tx.webhook.update({ where: { id: webhookId }, data: { secretSealed: secretBox(deps.config.serverSecret).seal(secret) } });
  });
  return { webhook, secret };
}

export async function listDeliveries(deps: Pick<Deps, "prisma">, actor: CustomerActor, webhookId: string, limit = 50) {
  await getWebhook(deps, actor, webhookId);
  return deps.prisma.webhookDelivery.findMany({
    where: { webhookId },
    orderBy: { id: "desc" },
    take: Math.min(Math.max(limit, 1), 100),
    include: { attemptLog: { orderBy: { id: "asc" } } },
  });
}

/** Queues the delivery's event again (same webhook-id: receivers deduplicate); re-enables the endpoint. */
export async function redeliver(deps: Pick<Deps, "prisma">, actor: CustomerActor, deliveryId: string): Promise<WebhookDelivery> {
  const delivery = await deps.prisma.webhookDelivery.findFirst({ where: { id: deliveryId, event: tenantOf(actor) } });
  if (!delivery) throw new NotFoundError(`delivery ${deliveryId}`);
  return transaction(deps.prisma, async (tx) => {
    if (delivery.webhookId) {
      await tx.webhook.update({ where: { id: delivery.webhookId }, data: { status: "active", disabledReason: null } });
    }
    const queued = await tx.webhookDelivery.create({
      data: {
        id: newId("dlv"),
        webhookId: delivery.webhookId,
        targetUrl: delivery.targetUrl,
        eventId: delivery.eventId,
        status: "pending",
        nextAttemptAt: new Date(),
      },
    });
    await auditCustomerChange(tx, actor, { action: "webhook.delivery_requeued", targetId: queued.id, details: { event_id: delivery.eventId, of_delivery: delivery.id } });
    return queued;
  });
}
