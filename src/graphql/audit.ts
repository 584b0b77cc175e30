import { AUDIT_ACTIONS, listAuditEvents } from "../domain/audit/index.js";
import { builder } from "./builder.js";
import { cappedPageSize, DEFAULT_PAGE_SIZE } from "./pagination.js";

builder.prismaObject("AuditEvent", {
  description: "One change made through the API: who, what, on what, from where, when. Append-only.",
  fields: (t) => ({
    id: t.exposeID("id", { description: "aud_…, the same as in REST." }),
    action: t.exposeString("action", { description: `What was done: ${AUDIT_ACTIONS.join(", ")}.` }),
    actorType: t.exposeString("actorType", { description: "api_key, or operator." }),
    actorId: t.exposeString("actorId", { description: "The key (key_…), or operator." }),
    targetId: t.exposeString("targetId", { description: "What was changed (key_…, whk_…, tsk_…, job_…, cust_…, dlv_…).", nullable: true }),
    details: t.field({ type: "JSON", description: "What else the change recorded (an environment, a tier, a URL…).", resolve: (event) => event.details ?? {} }),
    requestId: t.exposeString("requestId", { description: "The request's id (X-Request-Id).", nullable: true }),
    clientAddress: t.exposeString("clientAddress", { description: "The client's address.", nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When." }),
  }),
});

builder.queryField("auditEvents", (t) =>
  t.withAuth({ customer: true }).prismaConnection({
    type: "AuditEvent",
    cursor: "id",
    defaultSize: DEFAULT_PAGE_SIZE,
    maxSize: cappedPageSize,
    description: "The audit log of your key's environment, newest first.",
    args: {
      actorId: t.arg.string({ description: "Only this actor's (a key id, or operator)." }),
      action: t.arg.string({ description: "Only this action." }),
      since: t.arg({ type: "DateTime", description: "From this time (inclusive)." }),
      until: t.arg({ type: "DateTime", description: "Before this time." }),
    },
    resolve: (query, _root, args, context) =>
      listAuditEvents(
        context.deps,
        context.actor,
        {
          actorId: args.actorId ?? undefined,
          action: args.action ?? undefined,
          since: args.since ? new Date(args.since).toISOString() : undefined,
          until: args.until ? new Date(args.until).toISOString() : undefined,
        },
        query,
      ),
  }),
);
