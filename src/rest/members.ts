// Team accounts over REST: members and invitations (owners and admins), and
// members' sessions (the console's cookie, or a bearer token).
import type Router from "@koa/router";
import type { Context } from "koa";
import type { Deps } from "../deps.js";
import { acceptInvitation, changeMemberRole, describeCaller, inviteMember, listMembers, removeMember, SESSION_COOKIE, sessionCookieOf, signIn, signOut } from "../domain/accounts/index.js";
import { callerView, invitationView, memberView, sessionView } from "../domain/representations/index.js";
import { customerOf } from "./auth.js";
import { toDomainFields } from "./field-names.js";

function setSessionCookie(ctx: Context, token: string, maxAgeSeconds: number) {
  const secure = ctx.secure || ctx.get("x-forwarded-proto") === "https";
  ctx.append("Set-Cookie", `${SESSION_COOKIE}=${token}; Path=/; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Strict${secure ? "; Secure" : ""}`);
}

const originOf = (ctx: Context) => ({ requestId: ctx.state.requestId, clientAddress: ctx.ip });

export function publicMemberRoutes(router: Router, deps: Deps) {
  router.post("/invitations/accept", async (ctx) => {
    ctx.body = memberView(await acceptInvitation(deps, toDomainFields(ctx.request.body), originOf(ctx)));
  });

  router.post("/sessions", async (ctx) => {
    const session = await signIn(deps, toDomainFields(ctx.request.body));
    if (session.cookie) setSessionCookie(ctx, session.token, Math.round((session.expiresAt.getTime() - Date.now()) / 1000));
    ctx.status = 201;
    ctx.body = sessionView(session);
  });
}

export function memberRoutes(router: Router, deps: Deps) {
  router.get("/members", async (ctx) => {
    ctx.body = { data: (await listMembers(deps, customerOf(ctx))).map(memberView) };
  });

  router.post("/members", async (ctx) => {
    const invitation = await inviteMember(deps, customerOf(ctx), toDomainFields(ctx.request.body));
    ctx.status = 201;
    // The token in the fragment: never sent to a server, so never in a log.
    ctx.body = invitationView(invitation, `${ctx.protocol}://${ctx.get("host")}/console#accept=${invitation.token}`);
  });

  router.patch("/members/:id", async (ctx) => {
    ctx.body = memberView(await changeMemberRole(deps, customerOf(ctx), ctx.params.id, toDomainFields(ctx.request.body)));
  });

  router.delete("/members/:id", async (ctx) => {
    await removeMember(deps, customerOf(ctx), ctx.params.id);
    ctx.status = 204;
  });

  router.get("/sessions/current", async (ctx) => {
    ctx.body = callerView(await describeCaller(deps, customerOf(ctx)));
  });

  /** Signs out the session this request came with (an API key has none to end). */
  router.delete("/sessions/current", async (ctx) => {
    const token = ctx.get("authorization").replace(/^Bearer\s+/i, "").trim() || sessionCookieOf(ctx.get("cookie")) || "";
    if (customerOf(ctx).memberId) await signOut(deps, token);
    setSessionCookie(ctx, "", 0);
    ctx.status = 204;
  });
}
