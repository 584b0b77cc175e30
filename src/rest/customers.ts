import type Router from "@koa/router";
import type { Deps } from "../deps.js";
import { getProfile, registerCustomer } from "../domain/accounts/index.js";
import { profileView, registrationView } from "../domain/representations/index.js";
import { customerOf } from "./auth.js";
import { toDomainFields } from "./field-names.js";
import { respondIdempotently } from "./respond.js";

const REPLAYED_REGISTRATION =
  "This registration was completed by an earlier request with the same Idempotency-Key. Its API key was shown only in that response; if it is lost, register again.";

export function publicCustomerRoutes(router: Router, deps: Deps) {
  router.post("/customers", async (ctx) => {
    await respondIdempotently(ctx, deps, "public:customers", async () => {
      const body = registrationView(await registerCustomer(deps, toDomainFields(ctx.request.body)));
      // A key is shown once: whoever replays the request learns the customer id, not the key.
      const { api_key: _shownOnce, ...withoutKey } = body;
      return { status: 201, body, replayBody: { ...withoutKey, message: REPLAYED_REGISTRATION } };
    });
  });
}

export function customerRoutes(router: Router, deps: Deps) {
  router.get("/customers/me", async (ctx) => {
    ctx.body = profileView(await getProfile(deps, customerOf(ctx)));
  });
}
