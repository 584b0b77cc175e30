// The audit log: every change made through the API is one row — who (the API
// key, or the operator), what, the target, the request id, the client address
// and the time — written in the same transaction as the change, so a change
// is never without its row nor a row without its change. Append-only (a
// database trigger refuses updates and deletes). Customers read their own,
// per environment like the rest of their data: a sandbox key sees what was
// done in sandbox, a live key what was done in live; changes to the account
// itself (registration, tier, members) are "account" entries both see.
import { z } from "zod";
import type { SqlTx } from "../../db/transaction.js";
import type { Deps } from "../../deps.js";
import type { AuditEvent, Prisma } from "../../generated/prisma/client.js";
import { newId, parseInput, type AdminActor, type CustomerActor, type Environment } from "../shared/index.js";

export const AUDIT_ACTIONS = [
  "customer.registered",
  "customer.tier_changed",
  "api_key.created",
  "api_key.revoked",
  "webhook.created",
  "webhook.deleted",
  "webhook.secret_rotated",
  "webhook.delivery_requeued",
  "task.canceled",
  "job.canceled",
  "export.created",
  "export.downloaded",
  "member.invited",
  "member.joined",
  "member.role_changed",
  "member.removed",
  "project.created",
  "project.updated",
  "project.archived",
  "project.annotator_suspended",
  "project.annotator_reinstated",
  "work_team.created",
  "work_team.updated",
  "work_team.invited",
  "work_team.member_suspended",
  "work_team.member_reinstated",
  "work_team.member_removed",
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface AuditEntry {
  action: AuditAction;
  targetId?: string;
  details?: Record<string, unknown>;
  /** A change to the account itself rather than to one environment's data. */
  accountWide?: boolean;
}

/** The environment of account-wide entries. */
const ACCOUNT = "account";

/** Records a customer's (its key's) change; call inside the change's transaction. */
export async function auditCustomerChange(tx: SqlTx, actor: CustomerActor, entry: AuditEntry): Promise<void> {
  await insertAuditEvent(tx, {
    customerId: actor.customerId,
    environment: entry.accountWide ? ACCOUNT : actor.environment,
    actorType: actor.memberId ? "member" : "api_key",
    actorId: actor.memberId ?? actor.keyId ?? "service",
    origin: actor.origin,
    ...entry,
  });
}

/** Records the operator's change to a customer's account (a live entry of that customer). */
export async function auditOperatorChange(tx: SqlTx, actor: AdminActor, customerId: string, entry: AuditEntry): Promise<void> {
  await insertAuditEvent(tx, { customerId, environment: ACCOUNT, actorType: "operator", actorId: "operator", origin: actor.origin, ...entry });
}

async function insertAuditEvent(
  tx: SqlTx,
  { accountWide: _, ...row }: AuditEntry & { customerId: string; environment: Environment | typeof ACCOUNT; actorType: string; actorId: string; origin?: CustomerActor["origin"] },
) {
  await tx.$executeRaw`
    INSERT INTO audit_events (id, customer_id, environment, actor_type, actor_id, action, target_id, details, request_id, client_address, created_at)
    VALUES (${newId("aud")}, ${row.customerId}, ${row.environment}, ${row.actorType}, ${row.actorId}, ${row.action}, ${row.targetId ?? null},
      ${row.details ? JSON.stringify(row.details) : null}::jsonb, ${row.origin?.requestId ?? null}, ${row.origin?.clientAddress ?? null}, now())`;
}

const timestamp = z.iso.datetime({ offset: true, message: "must be an ISO 8601 date-time" }).transform((value) => new Date(value));

export const auditFilterSchema = z
  .object({
    actorId: z.string().max(100).optional(),
    action: z.enum(AUDIT_ACTIONS).optional(),
    since: timestamp.optional(),
    until: timestamp.optional(),
  })
  .strict();
export type AuditFilter = z.infer<typeof auditFilterSchema>;

/** The caller's environment's audit events, newest first, `page` as the other lists take it. */
export async function listAuditEvents(
  deps: Pick<Deps, "prisma">,
  actor: CustomerActor,
  filter: unknown,
  page: { take?: number; skip?: number; cursor?: Prisma.AuditEventWhereUniqueInput },
): Promise<AuditEvent[]> {
  const { actorId, action, since, until } = parseInput(auditFilterSchema, filter ?? {});
  return deps.prisma.auditEvent.findMany({
    where: {
      customerId: actor.customerId,
      environment: { in: [actor.environment, ACCOUNT] },
      ...(actorId ? { actorId } : {}),
      ...(action ? { action } : {}),
      ...(since || until ? { createdAt: { ...(since ? { gte: since } : {}), ...(until ? { lt: until } : {}) } } : {}),
    },
    ...page,
    orderBy: { id: "desc" },
  });
}
