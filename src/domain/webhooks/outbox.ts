// The outbox: events are written in the same transaction as the state change
// they describe, together with one delivery row per subscribed webhook, so a
// crash can neither lose nor invent one.
import type { Prisma } from "../../generated/prisma/client.js";
import { newId, type Tenant } from "../shared/index.js";

export const EVENT_TYPES = ["task.completed", "task.failed", "batch.completed", "job.completed", "job.failed"] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface NewEvent {
  /** The task, batch or job it is about: its customer environment gets the event. */
  owner: Tenant;
  type: EventType;
  data: unknown;
  /** A task's own callback_url, delivered like a webhook. */
  callbackUrl?: string | null;
}

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
  const [event] = await recordEvents(tx, [{ owner, type, data, callbackUrl: options.callbackUrl }]);
  return event;
}

/** recordEvent for any number of events, in three statements: the events, their endpoints, the deliveries. */
export async function recordEvents(tx: Prisma.TransactionClient, events: NewEvent[]) {
  if (events.length === 0) return [];
  const createdAt = new Date();
  const rows = events.map((event) => ({
    id: newId("evt"),
    customerId: event.owner.customerId,
    environment: event.owner.environment,
    type: event.type,
    payload: { type: event.type, created_at: createdAt.toISOString(), data: event.data } as Prisma.InputJsonValue,
    createdAt,
  }));
  await tx.event.createMany({ data: rows });
  const tenants = new Map(rows.map((row) => [`${row.customerId}:${row.environment}`, { customerId: row.customerId, environment: row.environment }]));
  const webhooks = await tx.webhook.findMany({
    where: { status: "active", OR: [...tenants.values()] },
    select: { id: true, customerId: true, environment: true, events: true },
  });
  const deliveries: Prisma.WebhookDeliveryCreateManyInput[] = [];
  rows.forEach((row, index) => {
    for (const webhook of webhooks) {
      if (webhook.customerId !== row.customerId || webhook.environment !== row.environment || !(webhook.events as string[]).includes(row.type)) continue;
      deliveries.push({ id: newId("dlv"), webhookId: webhook.id, eventId: row.id, status: "pending", nextAttemptAt: createdAt });
    }
    const callbackUrl = events[index].callbackUrl;
    if (callbackUrl) deliveries.push({ id: newId("dlv"), targetUrl: callbackUrl, eventId: row.id, status: "pending", nextAttemptAt: createdAt });
  });
  if (deliveries.length) await tx.webhookDelivery.createMany({ data: deliveries });
  return rows;
}
