// Work teams: a customer's own annotators, as in REST's /v1/work-teams; and
// suspensions from a project (by its quality rules or by hand).
import { suspensionView } from "../domain/representations/index.js";
import {
  createWorkTeam,
  getWorkTeam,
  inviteToWorkTeam,
  joinWorkTeam,
  liftSuspension,
  listWorkTeams,
  MEMBER_STATUSES,
  renameWorkTeam,
  setMemberStatus,
  suspendByHand,
  teamMembers,
  type Joined,
  type TeamMember,
} from "../domain/workforce/index.js";
import type { WorkTeamInvitation, WorkTeamMember } from "../generated/prisma/client.js";
import { builder } from "./builder.js";
import { RESULT_OR_APP_ERROR } from "./errors.js";
import { enumValues } from "./input.js";

const MemberStatus = builder.enumType("WorkTeamMemberStatus", {
  description: "Whether a member is offered the team's tasks.",
  values: enumValues(MEMBER_STATUSES, {
    active: "Offered the team's tasks.",
    suspended: "Offered none until reinstated (by a person or a quality rule).",
    removed: "No longer a member; its record stays.",
  }),
});

const Member = builder.objectRef<TeamMember>("WorkTeamMember").implement({
  description: "A member of a work team and its record.",
  fields: (t) => ({
    annotatorId: t.string({ description: "The annotator (ann_…).", resolve: (m) => m.annotator.id }),
    name: t.string({ description: "The name it gave when it joined.", resolve: (m) => m.annotator.name }),
    status: t.field({ type: MemberStatus, description: "Active, suspended or removed.", resolve: (m) => m.membership.status as never }),
    reason: t.string({ nullable: true, description: "Why it was suspended or removed.", resolve: (m) => m.membership.reason }),
    joinedAt: t.field({ type: "DateTime", description: "When it joined.", resolve: (m) => m.membership.joinedAt }),
    goldAnswered: t.int({ description: "Gold tasks it answered.", resolve: (m) => m.reliability.goldTotal }),
    goldAccuracy: t.float({ nullable: true, description: "Its accuracy on them.", resolve: (m) => m.reliability.goldAccuracy }),
    judgments: t.int({ description: "Judgments it gave.", resolve: (m) => m.reliability.judgments }),
    agreement: t.float({ nullable: true, description: "Share of its judgments that agreed with the result.", resolve: (m) => m.reliability.agreement }),
  }),
});

builder.prismaObject("WorkTeam", {
  description: "A team of your own annotators; a project assigned to it is labeled only by its active members.",
  fields: (t) => ({
    id: t.exposeID("id", { description: "Work team id (wtm_…), the same as in REST." }),
    name: t.exposeString("name", { description: "Its name." }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When it was created." }),
    members: t.field({ type: [Member], description: "Its members, removed ones too.", resolve: (team, _args, { deps }) => teamMembers(deps, team) }),
  }),
});

const Invitation = builder.objectRef<{ invitation: WorkTeamInvitation; token: string }>("WorkTeamInvitation").implement({
  description: "A single-use invite link, valid 7 days, shown this once.",
  fields: (t) => ({
    id: t.string({ description: "Invitation id (wti_…).", resolve: (i) => i.invitation.id }),
    token: t.string({ description: "The invitation token: the annotator page takes it at /annotate#join=<token>.", resolve: (i) => i.token }),
    expiresAt: t.field({ type: "DateTime", description: "When it stops working.", resolve: (i) => i.invitation.expiresAt }),
  }),
});

const Joined = builder.objectRef<Joined>("JoinedWorkTeam").implement({
  description: "An invited annotator that joined: its token, shown this once.",
  fields: (t) => ({
    annotatorId: t.string({ description: "Its annotator id.", resolve: (j) => j.annotator.id }),
    token: t.string({ description: "Its annotator token (at_…) for the annotator API and page.", resolve: (j) => j.token }),
    teamName: t.string({ description: "The team it joined.", resolve: (j) => j.team.name }),
  }),
});

const Membership = builder.objectRef<{ membership: WorkTeamMember; released: number }>("WorkTeamMembership").implement({
  description: "A member's status after a change.",
  fields: (t) => ({
    annotatorId: t.string({ description: "The annotator.", resolve: (m) => m.membership.annotatorId }),
    status: t.field({ type: MemberStatus, description: "Its status now.", resolve: (m) => m.membership.status as never }),
    reason: t.string({ nullable: true, description: "Why.", resolve: (m) => m.membership.reason }),
    releasedAssignments: t.int({ description: "Its open assignments of the team's tasks released to the others.", resolve: (m) => m.released }),
  }),
});

builder.queryField("workTeams", (t) =>
  t.withAuth({ customer: true }).prismaField({
    type: ["WorkTeam"],
    description: "Your work teams, oldest first.",
    resolve: (_query, _root, _args, context) => listWorkTeams(context.deps, context.actor),
  }),
);

builder.queryField("workTeam", (t) =>
  t.withAuth({ customer: true }).prismaField({
    type: "WorkTeam",
    nullable: true,
    description: "One of your work teams.",
    args: { id: t.arg.id({ required: true, description: "Work team id (wtm_…)." }) },
    resolve: (_query, _root, args, context) => getWorkTeam(context.deps, context.actor, String(args.id)).catch(() => null),
  }),
);

builder.mutationField("createWorkTeam", (t) =>
  t.withAuth({ customer: true }).prismaField({
    type: "WorkTeam",
    description: "Creates a work team.",
    errors: RESULT_OR_APP_ERROR,
    args: { name: t.arg.string({ required: true, description: "Its name." }) },
    resolve: (_query, _root, { name }, context) => createWorkTeam(context.deps, context.actor, { name }),
  }),
);

builder.mutationField("renameWorkTeam", (t) =>
  t.withAuth({ customer: true }).prismaField({
    type: "WorkTeam",
    description: "Renames a work team.",
    errors: RESULT_OR_APP_ERROR,
    args: { id: t.arg.id({ required: true, description: "Work team id." }), name: t.arg.string({ required: true, description: "Its new name." }) },
    resolve: (_query, _root, { id, name }, context) => renameWorkTeam(context.deps, context.actor, String(id), { name }),
  }),
);

builder.mutationField("inviteToWorkTeam", (t) =>
  t.withAuth({ customer: true }).field({
    type: Invitation,
    description: "An invite link for one annotator (POST /v1/work-teams/{id}/invitations).",
    errors: RESULT_OR_APP_ERROR,
    args: { id: t.arg.id({ required: true, description: "Work team id." }) },
    resolve: (_root, { id }, context) => inviteToWorkTeam(context.deps, context.actor, String(id)),
  }),
);

const STATUS_CHANGES = {
  suspendWorkTeamMember: { status: "suspended", description: "Suspends a member: none of the team's tasks are offered to it, and its open ones are released." },
  reinstateWorkTeamMember: { status: "active", description: "Reinstates a suspended member." },
  removeWorkTeamMember: { status: "removed", description: "Removes a member (its record stays, marked removed)." },
} as const;
for (const [name, change] of Object.entries(STATUS_CHANGES)) {
  builder.mutationField(name, (t) =>
    t.withAuth({ customer: true }).field({
      type: Membership,
      description: change.description,
      errors: RESULT_OR_APP_ERROR,
      args: {
        teamId: t.arg.id({ required: true, description: "Work team id." }),
        annotatorId: t.arg.id({ required: true, description: "The member's annotator id." }),
        reason: t.arg.string({ description: "Why (shown to you and in the event)." }),
      },
      resolve: (_root, { teamId, annotatorId, reason }, context) =>
        setMemberStatus(context.deps, context.actor, String(teamId), String(annotatorId), change.status, reason ? { reason } : {}),
    }),
  );
}

builder.mutationField("joinWorkTeam", (t) =>
  t.field({
    type: Joined,
    description: "An invited annotator joins with its invitation token and a name (no credential: the invitation is one).",
    errors: RESULT_OR_APP_ERROR,
    args: { token: t.arg.string({ required: true, description: "The invitation token (wti_…)." }), name: t.arg.string({ required: true, description: "Your name, as the team sees it." }) },
    resolve: (_root, { token, name }, { deps }) => joinWorkTeam(deps, { token, name }),
  }),
);

builder.mutationField("suspendFromProject", (t) =>
  t.withAuth({ customer: true }).field({
    type: "JSON",
    description: "Keeps an annotator off a project by hand (POST /v1/projects/{id}/suspensions); its open assignments of it are released.",
    errors: RESULT_OR_APP_ERROR,
    args: {
      projectId: t.arg.id({ required: true, description: "Project id." }),
      annotatorId: t.arg.id({ required: true, description: "The annotator." }),
      reason: t.arg.string({ required: true, description: "Why (shown to you and in the event)." }),
    },
    resolve: async (_root, { projectId, annotatorId, reason }, context) =>
      suspensionView(await suspendByHand(context.deps, context.actor, String(projectId), { annotatorId: String(annotatorId), reason })),
  }),
);

builder.mutationField("liftProjectSuspension", (t) =>
  t.withAuth({ customer: true }).field({
    type: "Boolean",
    description: "Offers a project's tasks to a suspended annotator again.",
    errors: RESULT_OR_APP_ERROR,
    args: { projectId: t.arg.id({ required: true, description: "Project id." }), annotatorId: t.arg.id({ required: true, description: "The annotator." }) },
    resolve: async (_root, { projectId, annotatorId }, context) => {
      await liftSuspension(context.deps, context.actor, String(projectId), String(annotatorId));
      return true;
    },
  }),
);
