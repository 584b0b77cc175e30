// A customer's team: members invited by email (the invitation token is shown
// once, in the answer: no mail server needed), who join by setting a password,
// and whose role says what they may do (roles.ts). Owners alone make or
// unmake owners, and an account that has owners always keeps one.
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { transaction, type Tx } from "../../db/transaction.js";
import type { Deps } from "../../deps.js";
import { Prisma, type Member } from "../../generated/prisma/client.js";
import { auditCustomerChange } from "../audit/index.js";
import { ConflictError, hashCredential, newId, NotFoundError, parseInput, ROLES, type CustomerActor, type Role } from "../shared/index.js";
import { forgetCachedKeys } from "./credentials.js";
import { hashPassword, passwordSchema } from "./passwords.js";
import { assertAllowed, ownersOnly, permissionsOf, type Permission } from "./roles.js";

const INVITATION_DAYS = 7;
const INVITATION_FORMAT = /^inv_[A-Za-z0-9_-]{43}$/;

export const invitationSchema = z.object({ email: z.email("must be an email address").max(254).toLowerCase(), role: z.enum(ROLES) }).strict();
export const roleChangeSchema = z.object({ role: z.enum(ROLES) }).strict();
export const acceptanceSchema = z.object({ token: z.string().regex(INVITATION_FORMAT, "is not an invitation token"), password: passwordSchema }).strict();

export interface Invitation {
  member: Member;
  /** Shown once; the link's fragment carries it. */
  token: string;
}

/** Only owners (or a full key) deal with owners. */
function assertMayGrant(actor: CustomerActor, role: Role) {
  if (role === "owner" && actor.memberId && actor.role !== "owner") throw ownersOnly();
}

/** POST /v1/members: invites someone by email with a role. */
export async function inviteMember(deps: Pick<Deps, "prisma">, actor: CustomerActor, input: unknown): Promise<Invitation> {
  assertAllowed(actor, "members.manage");
  const { email, role } = parseInput(invitationSchema, input);
  assertMayGrant(actor, role);
  const token = `inv_${randomBytes(32).toString("base64url")}`;
  try {
    const member = await transaction(deps.prisma, async (tx) => {
      const invited = await tx.member.create({
        data: {
          id: newId("mem"),
          customerId: actor.customerId,
          email,
          role,
          invitationHash: hashCredential(token),
          invitationExpiresAt: new Date(Date.now() + INVITATION_DAYS * 86_400_000),
          invitedBy: actor.memberId ?? actor.keyId,
        },
      });
      await auditCustomerChange(tx, actor, { action: "member.invited", targetId: invited.id, details: { email, role }, accountWide: true });
      return invited;
    });
    return { member, token };
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
      throw new ConflictError("member_exists", `${email} is already a member or invited; remove them first to invite again`);
    }
    throw error;
  }
}

/** POST /v1/invitations/accept: the invited person sets a password and becomes a member. */
export async function acceptInvitation(deps: Pick<Deps, "prisma">, input: unknown, origin?: CustomerActor["origin"]): Promise<Member> {
  const { token, password } = parseInput(acceptanceSchema, input);
  const passwordHash = await hashPassword(password);
  return transaction(deps.prisma, async (tx) => {
    const [invited] = await tx.$queryRaw<Member[]>`
      SELECT id FROM members WHERE invitation_hash = ${hashCredential(token)} AND accepted_at IS NULL AND invitation_expires_at > now() FOR UPDATE`;
    if (!invited) throw new NotFoundError("invitation (unknown, used or expired)");
    const member = await tx.member.update({
      where: { id: invited.id },
      data: { passwordHash, acceptedAt: new Date(), invitationHash: null, invitationExpiresAt: null },
    });
    const self: CustomerActor = { kind: "customer", customerId: member.customerId, environment: "live", memberId: member.id, role: member.role as Role, origin };
    await auditCustomerChange(tx, self, { action: "member.joined", targetId: member.id, details: { email: member.email, role: member.role }, accountWide: true });
    return member;
  });
}

export interface Caller {
  /** The signed-in member, or null for an API key. */
  member: Member | null;
  keyId: string | null;
  environment: CustomerActor["environment"];
  permissions: readonly Permission[];
}

/** GET /v1/sessions/current: who the caller is and what they may do (the console shows only what they may). */
export async function describeCaller(deps: Pick<Deps, "prisma">, actor: CustomerActor): Promise<Caller> {
  const member = actor.memberId ? await deps.prisma.member.findFirst({ where: { id: actor.memberId, customerId: actor.customerId } }) : null;
  return { member, keyId: actor.keyId ?? null, environment: actor.environment, permissions: permissionsOf(actor) };
}

export function listMembers(deps: Pick<Deps, "prisma">, actor: CustomerActor): Promise<Member[]> {
  assertAllowed(actor, "read");
  return deps.prisma.member.findMany({ where: { customerId: actor.customerId }, orderBy: { id: "asc" } });
}

/** The member, locked, and whether taking its owner role away would leave the account without an active owner. */
async function lockMember(tx: Tx, actor: CustomerActor, memberId: string) {
  // All of the account's members locked in id order: two owners demoting each other at once cannot both succeed.
  const members = await tx.$queryRaw<{ id: string; role: string; accepted: boolean }[]>`
    SELECT id, role, accepted_at IS NOT NULL AS accepted FROM members WHERE customer_id = ${actor.customerId} ORDER BY id FOR UPDATE`;
  const member = members.find((m) => m.id === memberId);
  if (!member) throw new NotFoundError(`member ${memberId}`);
  const lastOwner = member.role === "owner" && members.filter((m) => m.role === "owner" && m.accepted).length <= 1 && member.accepted;
  return { member, lastOwner };
}

/** PATCH /v1/members/{id}: a new role. */
export async function changeMemberRole(deps: Pick<Deps, "prisma" | "pubsub">, actor: CustomerActor, memberId: string, input: unknown): Promise<Member> {
  assertAllowed(actor, "members.manage");
  const { role } = parseInput(roleChangeSchema, input);
  assertMayGrant(actor, role);
  const changed = await transaction(deps.prisma, async (tx) => {
    const { member, lastOwner } = await lockMember(tx, actor, memberId);
    assertMayGrant(actor, member.role as Role);
    if (lastOwner && role !== "owner") throw new ConflictError("last_owner", "this is the account's only owner; make another member owner first");
    await auditCustomerChange(tx, actor, { action: "member.role_changed", targetId: memberId, details: { from: member.role, to: role }, accountWide: true });
    return tx.member.update({ where: { id: memberId }, data: { role } });
  });
  forgetCachedKeys(deps);
  return changed;
}

/** DELETE /v1/members/{id}: the member and their sessions go at once. */
export async function removeMember(deps: Pick<Deps, "prisma" | "pubsub">, actor: CustomerActor, memberId: string): Promise<void> {
  assertAllowed(actor, "members.manage");
  await transaction(deps.prisma, async (tx) => {
    const { member, lastOwner } = await lockMember(tx, actor, memberId);
    assertMayGrant(actor, member.role as Role);
    if (lastOwner) throw new ConflictError("last_owner", "this is the account's only owner; make another member owner first");
    await auditCustomerChange(tx, actor, { action: "member.removed", targetId: memberId, details: { role: member.role }, accountWide: true });
    await tx.member.delete({ where: { id: memberId } });
  });
  forgetCachedKeys(deps);
}
