// Sends a domain result; POSTs honour Idempotency-Key.
import type { Context } from "koa";
import type { Deps } from "../deps.js";
import { fingerprintOf, runIdempotently, type StoredResponse } from "../domain/system/index.js";

export async function respondIdempotently(ctx: Context, deps: Deps, scope: string, execute: () => Promise<StoredResponse>) {
  const key = ctx.get("idempotency-key");
  const response = key
    ? await runIdempotently(deps, { scope, key, fingerprint: fingerprintOf(ctx.method, ctx.path, ctx.request.body) }, execute)
    : { ...(await execute()), replayed: false };
  if (key) ctx.set("Idempotent-Replayed", String(response.replayed));
  ctx.status = response.status;
  ctx.body = response.body;
}
