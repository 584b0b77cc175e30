// Work teams: a customer's own annotators (a private workforce, as Ground
// Truth's work teams). A project assigned to a team is offered only to the
// team's active members, and those annotators label nothing else; the shared
// pool, run by the operator, labels projects without a team and tasks without
// a project. A member may be suspended and reinstated, or removed (a quality
// rule suspends from one project instead: quality-rules.ts); suspending releases its open assignments of the
// team's tasks to the others at once.
import { z } from "zod";
import { sqlTransaction, transaction, type SqlTx } from "../../db/transaction.js";
import type { Deps } from "../../deps.js";
import { Prisma, type Annotator, type WorkTeam, type WorkTeamMember } from "../../generated/prisma/client.js";
import { assertAllowed } from "../accounts/index.js";
import { auditCustomerChange } from "../audit/index.js";
import { reliabilityOf, type Reliability } from "../labeling/annotators.js";
import { newId, NotFoundError, parseInput, tenantOf, type CustomerActor, type Tenant } from "../shared/index.js";
import { recordEvent } from "../webhooks/index.js";

export const MEMBER_STATUSES = ["active", "suspended", "removed"] as const;
export type MemberStatus = (typeof MEMBER_STATUSES)[number];

export const workTeamNameSchema = z.object({ name: z.string().trim().min(1, "must not be empty").max(200, "must be at most 200 characters") }).strict();
export const memberReasonSchema = z.object({ reason: z.string().trim().min(1, "must not be empty").max(500).optional() }).strict();

export interface TeamMember {
  annotator: Annotator;
  membership: WorkTeamMember;
  reliability: Reliability;
}

/** POST /v1/work-teams. */
export async function createWorkTeam(deps: Pick<Deps, "prisma">, actor: CustomerActor, input: unknown): Promise<WorkTeam> {
  assertAllowed(actor, "workforce.manage");
  const { name } = parseInput(workTeamNameSchema, input);
  return transaction(deps.prisma, async (tx) => {
    const team = await tx.workTeam.create({ data: { id: newId("wtm"), ...tenantOf(actor), name } });
    await auditCustomerChange(tx, actor, { action: "work_team.created", targetId: team.id, details: { name } });
    return team;
  });
}

/** PATCH /v1/work-teams/{id}: its name. */
export async function renameWorkTeam(deps: Pick<Deps, "prisma">, actor: CustomerActor, teamId: string, input: unknown): Promise<WorkTeam> {
  assertAllowed(actor, "workforce.manage");
  const { name } = parseInput(workTeamNameSchema, input);
  await getWorkTeam(deps, actor, teamId);
  return transaction(deps.prisma, async (tx) => {
    const team = await tx.workTeam.update({ where: { id: teamId }, data: { name } });
    await auditCustomerChange(tx, actor, { action: "work_team.updated", targetId: team.id, details: { name } });
    return team;
  });
}

export async function getWorkTeam(deps: Pick<Deps, "prisma">, actor: CustomerActor, teamId: string): Promise<WorkTeam> {
  assertAllowed(actor, "read");
  const team = await deps.prisma.workTeam.findFirst({ where: { id: teamId, ...tenantOf(actor) } });
  if (!team) throw new NotFoundError(`work team ${teamId}`);
  return team;
}

/** A customer environment's teams, oldest first. */
export function listWorkTeams(deps: Pick<Deps, "prisma">, actor: CustomerActor): Promise<WorkTeam[]> {
  assertAllowed(actor, "read");
  return deps.prisma.workTeam.findMany({ where: tenantOf(actor), orderBy: { id: "asc" } });
}

/** A team's members (removed ones too, marked so), with each one's accuracy on gold, judgments and agreement. */
export async function teamMembers(deps: Pick<Deps, "prisma">, team: WorkTeam): Promise<TeamMember[]> {
  const members = await deps.prisma.workTeamMember.findMany({ where: { teamId: team.id }, include: { annotator: true }, orderBy: { joinedAt: "asc" } });
  return members.map(({ annotator, ...membership }) => ({ annotator, membership, reliability: reliabilityOf(annotator) }));
}

/** Whether `teamId` is a team of the tenant's: what a project may be assigned to. */
export async function isTenantsTeam(deps: Pick<Deps, "prisma">, tenant: Tenant, teamId: string): Promise<boolean> {
  return (await deps.prisma.workTeam.count({ where: { id: teamId, ...tenant } })) > 0;
}

/**
 * Sets a member's status, records why, and for a suspension or removal
 * releases its open assignments of the team's tasks in the same transaction.
 * The claim reads the membership FOR SHARE (labeling/queue.ts), so a claim
 * racing this either finishes first (and its assignment is released here) or
 * sees the new status and is refused.
 */
async function changeMemberStatus(deps: Pick<Deps, "prisma">, actor: CustomerActor, team: WorkTeam, annotatorId: string, status: MemberStatus, reason: string | null) {
  return sqlTransaction(deps.prisma, async (tx) => {
    const [membership] = await tx.$queryRaw<WorkTeamMember[]>`
      UPDATE work_team_members SET status = ${status}, reason = ${reason}, updated_at = now()
      WHERE team_id = ${team.id} AND annotator_id = ${annotatorId} AND status <> 'removed'
      RETURNING team_id AS "teamId", annotator_id AS "annotatorId", status, reason, joined_at AS "joinedAt", updated_at AS "updatedAt"`;
    if (!membership) throw new NotFoundError(`member ${annotatorId} of work team ${team.id}`);
    const released = status === "active" ? 0 : await releaseOpenAssignments(tx, annotatorId, { workTeamId: team.id });
    const data = { team_id: team.id, annotator_id: annotatorId, status, reason, changed_by: "member", released_assignments: released };
    if (status !== "removed") await recordEvent(tx, team, status === "active" ? "annotator.reinstated" : "annotator.suspended", data);
    const action = status === "active" ? "work_team.member_reinstated" : status === "suspended" ? "work_team.member_suspended" : "work_team.member_removed";
    await auditCustomerChange(tx, actor, { action, targetId: annotatorId, details: { team_id: team.id, ...(reason ? { reason } : {}) } });
    return { membership, released };
  });
}

/** Hands an annotator's open assignments of a team's or a project's tasks back to the queue; how many. */
export function releaseOpenAssignments(tx: SqlTx, annotatorId: string, of: { workTeamId: string } | { projectId: string }): Promise<number> {
  const scope = "workTeamId" in of ? Prisma.sql`t.work_team_id = ${of.workTeamId}` : Prisma.sql`t.project_id = ${of.projectId}`;
  return tx.$executeRaw`
    UPDATE assignments a SET status = 'released' FROM tasks t
    WHERE a.task_id = t.id AND ${scope} AND a.annotator_id = ${annotatorId} AND a.status = 'active'`;
}

/** POST /v1/work-teams/{id}/members/{annotator_id}/suspend, /reinstate, DELETE …/members/{annotator_id}. */
export async function setMemberStatus(deps: Pick<Deps, "prisma">, actor: CustomerActor, teamId: string, annotatorId: string, status: MemberStatus, input: unknown = {}) {
  assertAllowed(actor, "workforce.manage");
  const { reason } = parseInput(memberReasonSchema, input ?? {});
  const team = await getWorkTeam(deps, actor, teamId);
  return changeMemberStatus(deps, actor, team, annotatorId, status, reason ?? null);
}
