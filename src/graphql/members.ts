import type { Member } from "../generated/prisma/client.js";
import { changeMemberRole, inviteMember, listMembers, removeMember } from "../domain/accounts/index.js";
import { ROLES } from "../domain/shared/index.js";
import { builder } from "./builder.js";
import { RESULT_OR_APP_ERROR } from "./errors.js";

const MemberRole = builder.enumType("MemberRole", {
  description: "What a member may do: OWNER and ADMIN everything (owners alone deal with owners), MEMBER tasks, jobs and exports, VIEWER read only, BILLING usage and invoices.",
  values: Object.fromEntries(ROLES.map((role) => [role.toUpperCase(), { value: role, description: `The ${role} role.` }])),
});

const MemberRef = builder.prismaObject("Member", {
  description: "A person of your team.",
  fields: (t) => ({
    id: t.exposeID("id", { description: "Member id (mem_…), the same as in REST." }),
    email: t.exposeString("email", { description: "Their email." }),
    role: t.field({ type: MemberRole, description: "Their role.", resolve: (member) => member.role as (typeof ROLES)[number] }),
    active: t.boolean({ description: "Whether they accepted the invitation.", resolve: (member) => member.acceptedAt !== null }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When they were invited." }),
    acceptedAt: t.expose("acceptedAt", { type: "DateTime", nullable: true, description: "When they joined." }),
  }),
});

const MemberInvited = builder.objectRef<{ member: Member; token: string }>("MemberInvited").implement({
  description: "An invitation: send the link to the person invited. The token is shown this once.",
  fields: (t) => ({
    member: t.field({ type: MemberRef, description: "The invited member.", resolve: (invited) => invited.member }),
    invitationToken: t.exposeString("token", { description: "Shown once; accepted with POST /v1/invitations/accept." }),
    invitationPath: t.string({ description: "The link's path on this server (the token in its fragment).", resolve: (invited) => `/console#accept=${invited.token}` }),
  }),
});

builder.queryField("members", (t) =>
  t.withAuth({ customer: true }).field({
    type: [MemberRef],
    description: "Your team: members and invitations.",
    resolve: (_root, _args, context) => listMembers(context.deps, context.actor),
  }),
);

builder.mutationField("inviteMember", (t) =>
  t.withAuth({ customer: true }).field({
    type: MemberInvited,
    description: "Invites someone by email with a role (owners and admins; only owners invite owners).",
    errors: RESULT_OR_APP_ERROR,
    args: { email: t.arg.string({ required: true, description: "Their email." }), role: t.arg({ type: MemberRole, required: true, description: "Their role." }) },
    resolve: (_root, args, context) => inviteMember(context.deps, context.actor, { email: args.email, role: args.role }),
  }),
);

builder.mutationField("changeMemberRole", (t) =>
  t.withAuth({ customer: true }).field({
    type: MemberRef,
    description: "Gives a member another role; the account keeps at least one owner.",
    errors: RESULT_OR_APP_ERROR,
    args: { id: t.arg.id({ required: true, description: "Member id (mem_…)." }), role: t.arg({ type: MemberRole, required: true, description: "The new role." }) },
    resolve: (_root, args, context) => changeMemberRole(context.deps, context.actor, String(args.id), { role: args.role }),
  }),
);

builder.mutationField("removeMember", (t) =>
  t.withAuth({ customer: true }).field({
    type: "Boolean",
    description: "Removes a member (or an invitation); their sessions end at once.",
    errors: RESULT_OR_APP_ERROR,
    args: { id: t.arg.id({ required: true, description: "Member id (mem_…)." }) },
    resolve: async (_root, args, context) => {
      await removeMember(context.deps, context.actor, String(args.id));
      return true;
    },
  }),
);
