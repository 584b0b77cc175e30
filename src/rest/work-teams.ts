// Work teams over REST: a customer's own annotators (create, invite, suspend,
// reinstate, remove), and the public join of an invited annotator.
import type Router from "@koa/router";
import type { Context } from "koa";
import type { Deps } from "../deps.js";
import { joinedView, membershipView, workTeamInvitationView, workTeamView } from "../domain/representations/index.js";
import { createWorkTeam, getWorkTeam, inviteToWorkTeam, joinWorkTeam, listWorkTeams, renameWorkTeam, setMemberStatus, teamMembers } from "../domain/workforce/index.js";
import { customerOf } from "./auth.js";
import { toDomainFields } from "./field-names.js";

/** The annotator page opened on an invitation (in the fragment, so it reaches no server log). */
const joinLink = (ctx: Context, token: string) => `${ctx.protocol}://${ctx.get("host")}/annotate#join=${token}`;

export function publicWorkTeamRoutes(router: Router, deps: Deps) {
  router.post("/work-teams/join", async (ctx) => {
    ctx.status = 201;
    ctx.body = joinedView(await joinWorkTeam(deps, toDomainFields(ctx.request.body)));
  });
}

export function workTeamRoutes(router: Router, deps: Deps) {
  router.post("/work-teams", async (ctx) => {
    ctx.status = 201;
    ctx.body = workTeamView(await createWorkTeam(deps, customerOf(ctx), ctx.request.body), []);
  });

  router.get("/work-teams", async (ctx) => {
    ctx.body = { data: (await listWorkTeams(deps, customerOf(ctx))).map((team) => workTeamView(team)) };
  });

  router.get("/work-teams/:id", async (ctx) => {
    const team = await getWorkTeam(deps, customerOf(ctx), ctx.params.id);
    ctx.body = workTeamView(team, await teamMembers(deps, team));
  });

  router.patch("/work-teams/:id", async (ctx) => {
    const team = await renameWorkTeam(deps, customerOf(ctx), ctx.params.id, ctx.request.body);
    ctx.body = workTeamView(team, await teamMembers(deps, team));
  });

  router.post("/work-teams/:id/invitations", async (ctx) => {
    const { invitation, token } = await inviteToWorkTeam(deps, customerOf(ctx), ctx.params.id);
    ctx.status = 201;
    ctx.body = workTeamInvitationView(invitation, token, joinLink(ctx, token));
  });

  router.post("/work-teams/:id/members/:annotatorId/suspend", async (ctx) => {
    ctx.body = membershipView(await setMemberStatus(deps, customerOf(ctx), ctx.params.id, ctx.params.annotatorId, "suspended", ctx.request.body));
  });

  router.post("/work-teams/:id/members/:annotatorId/reinstate", async (ctx) => {
    ctx.body = membershipView(await setMemberStatus(deps, customerOf(ctx), ctx.params.id, ctx.params.annotatorId, "active", ctx.request.body));
  });

  router.delete("/work-teams/:id/members/:annotatorId", async (ctx) => {
    await setMemberStatus(deps, customerOf(ctx), ctx.params.id, ctx.params.annotatorId, "removed");
    ctx.status = 204;
  });
}
