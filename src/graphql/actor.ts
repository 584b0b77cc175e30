import type { GraphQLContext } from "./builder.js";
import type { AdminActor, AnnotatorActor, CustomerActor } from "../domain/actors.js";
import { UnauthorizedError } from "../domain/errors.js";

/** Scope-auth already checked at the edge; the domain needs the actor itself. */
export function requireCustomer(context: GraphQLContext): CustomerActor {
  if (context.actor?.kind !== "customer") throw new UnauthorizedError();
  return context.actor;
}

export function requireAnnotator(context: GraphQLContext): AnnotatorActor {
  if (context.actor?.kind !== "annotator") throw new UnauthorizedError("send your annotator token as 'Authorization: Bearer at_…'");
  return context.actor;
}

export function requireAdmin(context: GraphQLContext): AdminActor {
  if (context.actor?.kind !== "admin") throw new UnauthorizedError("this operation needs the operator's ADMIN_TOKEN");
  return context.actor;
}
