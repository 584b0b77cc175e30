// The outbox: events are written in the same transaction as the state change
// they describe, together with one delivery row per subscribed webhook, so a
// crash can neither lose nor invent one.
import type { Prisma } from "../../generated/prisma/client.js";
import { newId, type Tenant } from "../shared/index.js";

export const EVENT_TYPES = ["task.completed", "task.failed", "batch.completed", "job.completed", "job.failed"] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/**
 * An event of the customer environment that `owner` (a task, batch or job)
 * belongs to, delivered to that environment's webhooks only. `callbackUrl`: a
 * task's own callback_url, delivered like a webhook.
 */
export async function recordEvent(
  tx: Prisma.TransactionClient,
  owner: Tenant,
  type: EventType,
  data: unknown,
  options: { callbackUrl?: string | null } = {},
) {
  const createdAt = new Date();
  const event = await tx.event.create({
    data: {
      id: newId("evt"),
      customerId: owner.customerId,
      environment: owner.environment,
      type,
      payload: { type, created_at: createdAt.toISOString(), data } as Prisma.InputJsonValue,
      createdAt,
    },
  });
  const webhooks = await tx.webhook.findMany({ where: { customerId: owner.customerId, environment: owner.environment, status: "active" }, select: { id: true, events: true } });
  const subscribed = webhooks.filter((w) => (w.events as string[]).includes(type));
  const deliveries: Prisma.WebhookDeliveryCreateManyInput[] = subscribed.map((w) => ({
    id: newId("dlv"),
    webhookId: w.id,
    eventId: event.id,
    status: "pending",
    nextAttemptAt: createdAt,
  }));
  if (options.callbackUrl) {
    deliveries.push({ id: newId("dlv"), targetUrl: options.callbackUrl, eventId: event.id, status: "pending", nextAttemptAt: createdAt });
  }
  if (deliveries.length) await tx.webhookDelivery.createMany({ data: deliveries });
  return event;
}
