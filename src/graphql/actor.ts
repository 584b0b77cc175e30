import type { GraphQLContext } from "./builder.js";
import type { CustomerActor } from "../domain/actors.js";
import { UnauthorizedError } from "../domain/errors.js";

/** Scope-auth already checked at the edge; the domain needs the actor itself. */
export function requireCustomer(context: GraphQLContext): CustomerActor {
  if (context.actor?.kind !== "customer") throw new UnauthorizedError();
  return context.actor;
}
