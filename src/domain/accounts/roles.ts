// Who may do what in a customer's account. A member has a role; an API key a
// scope (full: as an owner; read_only: every read). Each operation needs one
// permission: the REST routes and GraphQL root fields say which (rest/permissions.ts,
// graphql/permissions.ts), and this is the one check and the one refusal.
import { AppError, ROLES, type CustomerActor, type KeyScope, type Role } from "../shared/index.js";

export const PERMISSIONS = {
  /** The profile, dashboards and the audit log. */
  read: "read the account",
  /** Tasks, batches, jobs, results and exports. */
  "labels.read": "read tasks and their labels",
  /** Submit and cancel tasks and jobs. */
  "tasks.write": "submit and cancel tasks and jobs",
  "billing.read": "read usage and invoices",
  "keys.manage": "create and revoke API keys",
  "webhooks.manage": "manage webhooks",
  "members.manage": "invite, change and remove members",
  /** Work teams: create, invite annotators, suspend and remove them. */
  "workforce.manage": "manage work teams and their annotators",
} as const;
export type Permission = keyof typeof PERMISSIONS;

const ALL = Object.keys(PERMISSIONS) as Permission[];

/** What each role may do; the first role listed for a permission is named in a refusal. */
export const GRANTS: Record<Role, readonly Permission[]> = {
  owner: ALL,
  admin: ALL,
  member: ["read", "labels.read", "tasks.write"],
  viewer: ["read", "labels.read"],
  billing: ["read", "billing.read"],
};

const SCOPE_GRANTS: Record<KeyScope, readonly Permission[]> = {
  full: ALL,
  read_only: ["read", "labels.read", "billing.read"],
};

export function permissionsOf(actor: CustomerActor): readonly Permission[] {
  if (actor.memberId) return GRANTS[actor.role ?? "viewer"];
  return SCOPE_GRANTS[actor.scope ?? "full"];
}

export function isAllowed(actor: CustomerActor, permission: Permission): boolean {
  return permissionsOf(actor).includes(permission);
}

/** The roles that may (the least powerful first), for the refusal's message. */
function rolesAllowed(permission: Permission): Role[] {
  return [...ROLES].reverse().filter((role) => GRANTS[role].includes(permission));
}

/** One refusal for every transport: what is needed, and what the caller is. */
export function forbidden(actor: CustomerActor, permission: Permission): AppError {
  const roles = rolesAllowed(permission);
  const caller = actor.memberId ? `your role is ${actor.role}` : `this API key is ${actor.scope ?? "full"}`;
  return new AppError("forbidden", `to ${PERMISSIONS[permission]} you need the ${roles.join(", ")} role (or a full API key); ${caller}`, {
    permission,
    roles_allowed: roles,
  });
}

/** The refusal of a non-owner member dealing with owners (granting, changing or removing one). */
export function ownersOnly(): AppError {
  return new AppError("forbidden", "only an owner can make, change or remove an owner", { permission: "members.manage", roles_allowed: ["owner"] });
}

export function assertAllowed(actor: CustomerActor, permission: Permission): void {
  if (!isAllowed(actor, permission)) throw forbidden(actor, permission);
}
