import type Router from "@koa/router";
import type { Deps } from "../deps.js";
import { createWebhook, deleteWebhook, listWebhooks, webhookView } from "../domain/webhooks.js";
import { requireCustomer } from "./auth.js";
import { respondIdempotently } from "./respond.js";

export function webhookRoutes(router: Router, deps: Deps) {
  router.post("/webhooks", async (ctx) => {
    const actor = await requireCustomer(ctx, deps);
    await respondIdempotently(ctx, deps, actor.customerId, async () => {
      const { webhook, generatedSecret } = await createWebhook(deps, actor, ctx.request.body);
      return { status: 201, body: { ...webhookView(webhook), ...(generatedSecret ? { secret: generatedSecret } : {}) } };
    });
  });

  router.get("/webhooks", async (ctx) => {
    const webhooks = await listWebhooks(deps, await requireCustomer(ctx, deps));
    ctx.body = { data: webhooks.map(webhookView) };
  });

  router.delete("/webhooks/:id", async (ctx) => {
    await deleteWebhook(deps, await requireCustomer(ctx, deps), ctx.params.id);
    ctx.status = 204;
  });
}
