import type Router from "@koa/router";
import type { Deps } from "../deps.js";
import { listAuditEvents } from "../domain/audit/index.js";
import { auditEventView } from "../domain/representations/index.js";
import { customerOf } from "./auth.js";
import { pageBody, pageQuery, pageRequest, single } from "./listing.js";

export function auditRoutes(router: Router, deps: Deps) {
  /** GET /v1/audit-events: newest first; filters actor_id, action, since, until (ISO 8601). */
  router.get("/audit-events", async (ctx) => {
    const page = pageRequest(ctx.query);
    const filter = { actorId: single(ctx.query.actor_id), action: single(ctx.query.action), since: single(ctx.query.since), until: single(ctx.query.until) };
    const events = await listAuditEvents(deps, customerOf(ctx), filter, pageQuery(page));
    ctx.body = pageBody(events, page, auditEventView);
  });
}
