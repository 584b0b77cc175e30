// The outbox: events are written in the same transaction as the state change
// they describe, together with one delivery row per subscribed webhook, so a
// crash can neither lose nor invent one.
import type { SqlTx } from "../../db/transaction.js";
import { newId, type Tenant } from "../shared/index.js";

export const EVENT_TYPES = [
  "task.completed",
  "task.failed",
  "batch.completed",
  "job.completed",
  "job.failed",
  "export.completed",
  "annotator.suspended",
  "annotator.slowed",
  "annotator.reinstated",
] as const;
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
  tx: SqlTx,
  owner: Tenant,
  type: EventType,
  data: unknown,
  options: { callbackUrl?: string | null } = {},
) {
  const [event] = await recordEvents(tx, [{ owner, type, data, callbackUrl: options.callbackUrl }]);
  return event;
}

/** recordEvent for any number of events, in three statements: the events, their endpoints, the deliveries. */
export async function recordEvents(tx: SqlTx, events: NewEvent[]) {
  if (events.length === 0) return [];
  const createdAt = new Date();
  const rows = events.map((event) => {
    const id = newId("evt");
    return {
      id,
      customerId: event.owner.customerId,
      environment: event.owner.environment,
      type: event.type,
      // The webhook body, and (its data) the event feed's.
      payload: { id, type: event.type, created_at: createdAt.toISOString(), data: event.data },
      createdAt,
    };
  });
  const column = <T>(value: (row: (typeof rows)[number]) => T) => rows.map(value);
  await tx.$executeRaw`
    INSERT INTO events (id, customer_id, environment, type, payload, created_at)
    SELECT id, customer_id, environment, type, payload, ${createdAt}::timestamptz
    FROM unnest(${column((r) => r.id)}::text[], ${column((r) => r.customerId)}::text[], ${column((r) => r.environment)}::text[],
      ${column((r) => r.type)}::text[], ${column((r) => JSON.stringify(r.payload))}::jsonb[]) AS e(id, customer_id, environment, type, payload)`;
  const tenants = [...new Map(rows.map((row) => [`${row.customerId}:${row.environment}`, row])).values()];
  const webhooks = await tx.$queryRaw<{ id: string; customerId: string; environment: string; events: string[] }[]>`
    SELECT w.id, w.customer_id AS "customerId", w.environment, w.events FROM webhooks w
    JOIN unnest(${tenants.map((t) => t.customerId)}::text[], ${tenants.map((t) => t.environment)}::text[]) AS o(customer_id, environment)
      ON w.customer_id = o.customer_id AND w.environment = o.environment
    WHERE w.status = 'active'`;
  const deliveries: { id: string; webhookId: string | null; targetUrl: string | null; eventId: string }[] = [];
  rows.forEach((row, index) => {
    for (const webhook of webhooks) {
      if (webhook.customerId !== row.customerId || webhook.environment !== row.environment || !webhook.events.includes(row.type)) continue;
      deliveries.push({ id: newId("dlv"), webhookId: webhook.id, targetUrl: null, eventId: row.id });
    }
    const callbackUrl = events[index].callbackUrl;
    if (callbackUrl) deliveries.push({ id: newId("dlv"), webhookId: null, targetUrl: callbackUrl, eventId: row.id });
  });
  if (deliveries.length) {
    await tx.$executeRaw`
      INSERT INTO webhook_deliveries (id, webhook_id, target_url, event_id, status, attempts, next_attempt_at, created_at)
      SELECT id, webhook_id, target_url, event_id, 'pending', 0, ${createdAt}::timestamptz, ${createdAt}::timestamptz
      FROM unnest(${deliveries.map((d) => d.id)}::text[], ${deliveries.map((d) => d.webhookId)}::text[], ${deliveries.map((d) => d.targetUrl)}::text[],
        ${deliveries.map((d) => d.eventId)}::text[]) AS d(id, webhook_id, target_url, event_id)`;
  }
  return rows;
}
