import type { Context } from "koa";
import type { Deps } from "../deps.js";
import type { CustomerActor } from "../domain/actors.js";
import { authenticateBearer } from "../domain/api-keys.js";
import { UnauthorizedError } from "../domain/errors.js";

/** The calling customer, from `Authorization: Bearer <api_key>`; 401 otherwise. */
export async function requireCustomer(ctx: Context, deps: Deps): Promise<CustomerActor> {
  const header = ctx.get("authorization");
  if (!header) throw new UnauthorizedError("send your API key as 'Authorization: Bearer <api_key>'");
  const actor = await authenticateBearer(deps, header);
  if (actor?.kind !== "customer") throw new UnauthorizedError("the API key is invalid or has been revoked");
  return actor;
}
