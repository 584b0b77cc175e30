import type Router from "@koa/router";
import type { Deps } from "../deps.js";
import { webhookView } from "../domain/representations/index.js";
import { createWebhook, deleteWebhook, listWebhooks } from "../domain/webhooks/index.js";
import { customerOf } from "./auth.js";
import { toDomainFields } from "./field-names.js";
import { customerScope } from "../domain/system/index.js";
import { respondIdempotently } from "./respond.js";

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
}
