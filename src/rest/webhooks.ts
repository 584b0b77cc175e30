import type Router from "@koa/router";
import type { Deps } from "../deps.js";
import { eventFeedView, webhookView } from "../domain/representations/index.js";
import { createWebhook, deleteWebhook, listWebhooks, readEventFeed } from "../domain/webhooks/index.js";
import { customerOf } from "./auth.js";
import { toDomainFields } from "./field-names.js";
import { customerScope } from "../domain/system/index.js";
import { respondIdempotently } from "./respond.js";
import { single } from "./listing.js";

export function webhookRoutes(router: Router, deps: Deps) {
  router.post("/webhooks", async (ctx) => {
    const actor = customerOf(ctx);
    await respondIdempotently(ctx, deps, customerScope(actor), async () => {
      const { webhook, generatedSecret } = await createWebhook(deps, actor, toDomainFields(ctx.request.body));
      return { status: 201, body: webhookView(webhook, generatedSecret) };
    });
  });

  router.get("/webhooks", async (ctx) => {
    ctx.body = { data: (await listWebhooks(deps, customerOf(ctx))).map((webhook) => webhookView(webhook)) };
  });

  router.delete("/webhooks/:id", async (ctx) => {
    await deleteWebhook(deps, customerOf(ctx), ctx.params.id);
    ctx.status = 204;
  });

  /** GET /v1/events?after=<cursor>&types=a,b&limit=: the replayable feed, oldest first. */
  router.get("/events", async (ctx) => {
    const types = single(ctx.query.types);
    const page = await readEventFeed(deps, customerOf(ctx), {
      after: single(ctx.query.after),
      types: types?.split(","),
      limit: single(ctx.query.limit),
    });
    ctx.body = eventFeedView(page);
  });
}
