import type Router from "@koa/router";
import type { Deps } from "../deps.js";
import { getProfile, registerCustomer } from "../domain/customers.js";
import { requireCustomer } from "./auth.js";
import { respondIdempotently } from "./respond.js";

const REPLAYED_REGISTRATION =
  "This registration was completed by an earlier request with the same Idempotency-Key. Its API key was shown only in that response; if it is lost, register again.";

export function customerRoutes(router: Router, deps: Deps) {
  router.post("/customers", async (ctx) => {
    await respondIdempotently(ctx, deps, "public:customers", async () => {
      const registration = await registerCustomer(deps, ctx.request.body);
      const body = {
        customer_id: registration.customerId,
        api_key: registration.apiKey,
        tier: registration.tier,
        label_quota: registration.labelQuota,
        message: registration.message,
      };
      // A key is shown once: whoever replays the request learns the customer id, not the key.
      const { api_key: _shownOnce, ...withoutKey } = body;
      return { status: 201, body, replayBody: { ...withoutKey, message: REPLAYED_REGISTRATION } };
    });
  });

  router.get("/customers/me", async (ctx) => {
    const profile = await getProfile(deps, await requireCustomer(ctx, deps));
    ctx.body = {
      customer_id: profile.customerId,
      name: profile.name,
      email: profile.email,
      tier: profile.tier,
      label_quota: profile.labelQuota,
      labels_used: profile.labelsUsed,
      labels_remaining: profile.labelsRemaining,
      api_key_prefix: profile.apiKeyPrefix,
      callback_secret: profile.callbackSecret,
      created_at: profile.createdAt.toISOString(),
    };
  });
}
