import type Router from "@koa/router";
import type { Deps } from "../deps.js";
import { createApiKey, getProfile, listApiKeys, registerCustomer, revokeApiKey } from "../domain/accounts/index.js";
import { apiKeyView, createdApiKeyView, profileView, registrationView } from "../domain/representations/index.js";
import { customerOf } from "./auth.js";
import { toDomainFields } from "./field-names.js";
import { customerScope } from "../domain/system/index.js";
import { respondIdempotently } from "./respond.js";

/**
 * A 201 that shows an API key once: whoever replays the request (same
 * Idempotency-Key) learns what was created, never the key itself.
 */
function createdWithKey<B extends { api_key: string }>(body: B, replayMessage: string) {
  const { api_key: _shownOnce, ...withoutKey } = body;
  return { status: 201, body, replayBody: { ...withoutKey, message: replayMessage } };
}

const REPLAYED_REGISTRATION =
  "This registration was completed by an earlier request with the same Idempotency-Key. Its API key was shown only in that response; if it is lost, register again.";

export function publicCustomerRoutes(router: Router, deps: Deps) {
  router.post("/customers", async (ctx) => {
    await respondIdempotently(ctx, deps, "public:customers", async () => {
      return createdWithKey(registrationView(await registerCustomer(deps, toDomainFields(ctx.request.body), { requestId: ctx.state.requestId, clientAddress: ctx.ip })), REPLAYED_REGISTRATION);
    });
  });
}

export function customerRoutes(router: Router, deps: Deps) {
  router.get("/customers/me", async (ctx) => {
    ctx.body = profileView(await getProfile(deps, customerOf(ctx)));
  });

  router.get("/api-keys", async (ctx) => {
    ctx.body = { data: (await listApiKeys(deps, customerOf(ctx))).map(apiKeyView) };
  });

  router.post("/api-keys", async (ctx) => {
    const actor = customerOf(ctx);
    await respondIdempotently(ctx, deps, customerScope(actor), async () => {
      return createdWithKey(createdApiKeyView(await createApiKey(deps, actor, toDomainFields(ctx.request.body ?? {}))), REPLAYED_KEY);
    });
  });

  router.delete("/api-keys/:id", async (ctx) => {
    ctx.body = apiKeyView(await revokeApiKey(deps, customerOf(ctx), ctx.params.id));
  });
}

const REPLAYED_KEY = "This key was created by an earlier request with the same Idempotency-Key and shown only in that response; if it is lost, revoke it and create another.";
