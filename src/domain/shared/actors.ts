// Who is making a call. Every domain function that touches tenant data takes one.

/**
 * A customer's tier (live customers may hold live keys), and an API key's
 * environment, which share their names: a sandbox key's tasks go to the
 * simulated crowd and its own quota, a live key's to people.
 */
export const TIERS = ["sandbox", "live"] as const;
export type Tier = (typeof TIERS)[number];
export type Environment = Tier;

/** Where a call came from, for the audit log: set by the adapter per request. */
export interface RequestOrigin {
  requestId?: string;
  clientAddress?: string;
}

/** A team member's role (accounts/roles.ts says what each may do). */
export const ROLES = ["owner", "admin", "member", "viewer", "billing"] as const;
export type Role = (typeof ROLES)[number];

/** An API key's scope: full (as an owner) or read_only (every read). */
export const KEY_SCOPES = ["full", "read_only"] as const;
export type KeyScope = (typeof KEY_SCOPES)[number];

export interface CustomerActor {
  kind: "customer";
  customerId: string;
  /** The environment of the key this call came with. */
  environment: Environment;
  /** The API key (key_…); absent for work the service does on the customer's behalf (a job's ingestion). */
  keyId?: string;
  /** The key's scope (absent: full). */
  scope?: KeyScope;
  /** A signed-in member (mem_…) and their role, instead of a key. */
  memberId?: string;
  role?: Role;
  origin?: RequestOrigin;
}

export interface AnnotatorActor {
  kind: "annotator";
  annotatorId: string;
  /** Which queue this annotator works: sandbox tasks go to the simulated crowd. */
  workforce: "human" | "simulated";
  /** A private annotator's customer (it labels only that customer's work-team tasks); null: the shared pool. */
  ownerCustomerId: string | null;
}

/** An operator, authenticated by the configured ADMIN_TOKEN. */
export interface AdminActor {
  kind: "admin";
  origin?: RequestOrigin;
}

export type Actor = CustomerActor | AnnotatorActor | AdminActor;

/**
 * Where a customer's row lives: its customer and environment. Sandbox and live
 * data are kept apart as two customers' are: every read filters by both, so
 * another environment's id is a 404 exactly like another customer's.
 */
export interface Tenant {
  customerId: string;
  environment: string;
}

/** The rows a customer's key may see and touch (a Prisma `where` fragment). */
export function tenantOf(actor: CustomerActor): { customerId: string; environment: Environment } {
  return { customerId: actor.customerId, environment: actor.environment };
}

/** The actor of one request: the (cached, shared) actor of its credential with the request's origin. */
export function fromOrigin<A extends Actor | null>(actor: A, origin: RequestOrigin): A {
  return actor && actor.kind !== "annotator" ? { ...actor, origin } : actor;
}

/** One customer environment's pub/sub topic. */
export function tenantTopic(tenant: Tenant): string {
  return `${tenant.customerId}:${tenant.environment}`;
}
