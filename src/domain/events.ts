// The outbox: events are written in the same transaction as the state change
// they describe, so a crash can neither lose nor invent one. Delivery
// (webhooks) reads them from here.
import type { Prisma } from "../generated/prisma/client.js";
import { newId } from "./ids.js";

export type EventType = "task.completed" | "task.failed" | "batch.completed" | "job.completed" | "job.failed";

export async function recordEvent(tx: Prisma.TransactionClient, customerId: string, type: EventType, data: unknown) {
  const createdAt = new Date();
  await tx.event.create({
    data: {
      id: newId("evt"),
      customerId,
      type,
      payload: { type, created_at: createdAt.toISOString(), data } as Prisma.InputJsonValue,
      createdAt,
    },
  });
}
