// Invite links to a work team: a customer creates one (its token shown once,
// single use, valid INVITATION_DAYS), the invited person opens it on the
// annotator page, gives a name, and becomes a private annotator of the
// customer and an active member of the team, with its own annotator token.
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { sqlTransaction, transaction } from "../../db/transaction.js";
import type { Deps } from "../../deps.js";
import type { Annotator, WorkTeam, WorkTeamInvitation } from "../../generated/prisma/client.js";
import { assertAllowed, generateAnnotatorToken } from "../accounts/index.js";
import { auditCustomerChange } from "../audit/index.js";
import { hashCredential, newId, NotFoundError, parseInput, type CustomerActor } from "../shared/index.js";
import { getWorkTeam } from "./work-teams.js";

const INVITATION_DAYS = 7;
const TOKEN_FORMAT = /^wti_[A-Za-z0-9_-]{43}$/;

export const joinSchema = z
  .object({
    token: z.string().regex(TOKEN_FORMAT, "is not a work team invitation token (wti_…)"),
    name: z.string().trim().min(1, "must not be empty").max(200, "must be at most 200 characters"),
  })
  .strict();

/** POST /v1/work-teams/{id}/invitations: the token is in the answer this once; the link opens the annotator page on it. */
export async function inviteToWorkTeam(deps: Pick<Deps, "prisma">, actor: CustomerActor, teamId: string): Promise<{ invitation: WorkTeamInvitation; token: string }> {
  assertAllowed(actor, "workforce.manage");
  const team = await getWorkTeam(deps, actor, teamId);
  const token = `wti_${randomBytes(32).toString("base64url")}`;
  const invitation = await transaction(deps.prisma, async (tx) => {
    const created = await tx.workTeamInvitation.create({
      data: { id: newId("wti"), teamId: team.id, tokenHash: hashCredential(token), expiresAt: new Date(Date.now() + INVITATION_DAYS * 86_400_000) },
    });
    await auditCustomerChange(tx, actor, { action: "work_team.invited", targetId: created.id, details: { team_id: team.id } });
    return created;
  });
  return { invitation, token };
}

export interface Joined {
  annotator: Annotator;
  team: WorkTeam;
  /** The new annotator's token (at_…), shown this once. */
  token: string;
}

/**
 * POST /v1/work-teams/join (no credential: the invitation is one): uses the
 * invitation up (a second try, or a racing one, finds it used) and creates
 * the annotator and its membership in one transaction.
 */
export async function joinWorkTeam(deps: Pick<Deps, "prisma">, input: unknown): Promise<Joined> {
  const { token, name } = parseInput(joinSchema, input);
  const credential = generateAnnotatorToken();
  return sqlTransaction(deps.prisma, async (tx) => {
    const [invitation] = await tx.$queryRaw<{ id: string; team_id: string; customer_id: string; environment: string; team_name: string }[]>`
      SELECT i.id, i.team_id, w.customer_id, w.environment, w.name AS team_name FROM work_team_invitations i JOIN work_teams w ON w.id = i.team_id
      WHERE i.token_hash = ${hashCredential(token)} AND i.accepted_at IS NULL AND i.expires_at > now() FOR UPDATE OF i`;
    if (!invitation) throw new NotFoundError("work team invitation (unknown, used or expired)");
    const annotatorId = newId("ann");
    const [annotator] = await tx.$queryRaw<Annotator[]>`
      INSERT INTO annotators (id, name, kind, token_hash, token_prefix, owner_customer_id)
      VALUES (${annotatorId}, ${name}, 'human', ${credential.hash}, ${credential.prefix}, ${invitation.customer_id})
      RETURNING id, name, kind, created_at AS "createdAt", judgment_count AS "judgmentCount", gold_total AS "goldTotal", gold_correct AS "goldCorrect", agreed_count AS "agreedCount"`;
    await tx.$executeRaw`INSERT INTO work_team_members (team_id, annotator_id, status, updated_at) VALUES (${invitation.team_id}, ${annotatorId}, 'active', now())`;
    await tx.$executeRaw`UPDATE work_team_invitations SET accepted_at = now(), annotator_id = ${annotatorId} WHERE id = ${invitation.id}`;
    const team = { id: invitation.team_id, name: invitation.team_name, customerId: invitation.customer_id, environment: invitation.environment } as WorkTeam;
    return { annotator, team, token: credential.key };
  });
}
