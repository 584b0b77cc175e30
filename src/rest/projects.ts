import type Router from "@koa/router";
import type { Deps } from "../deps.js";
import { createProject, getProject, listProjects, projectTaskCounts, updateProject } from "../domain/projects/index.js";
import { projectSkillView, projectView, qualificationView, suspensionView } from "../domain/representations/index.js";
import { liftSuspension, listQualifications, listSuspensions, projectSkills, suspendByHand } from "../domain/workforce/index.js";
import { customerScope } from "../domain/system/index.js";
import { customerOf } from "./auth.js";
import { toDomainFields } from "./field-names.js";
import { pageBody, pageQuery, pageRequest } from "./listing.js";
import { respondIdempotently } from "./respond.js";

export function projectRoutes(router: Router, deps: Deps) {
  router.post("/projects", async (ctx) => {
    const actor = customerOf(ctx);
    await respondIdempotently(ctx, deps, customerScope(actor), async () => ({
      status: 201,
      body: projectView(await createProject(deps, actor, toDomainFields(ctx.request.body, "(body)", ["examples"]))),
    }));
  });

  router.get("/projects", async (ctx) => {
    const page = pageRequest(ctx.query);
    ctx.body = pageBody(await listProjects(deps, customerOf(ctx), pageQuery(page)), page, (project) => projectView(project));
  });

  router.get("/projects/:id", async (ctx) => {
    const project = await getProject(deps, customerOf(ctx), ctx.params.id);
    ctx.body = projectView(project, await projectTaskCounts(deps, project.id));
  });

  router.patch("/projects/:id", async (ctx) => {
    ctx.body = projectView(await updateProject(deps, customerOf(ctx), ctx.params.id, toDomainFields(ctx.request.body, "(body)", ["examples"])));
  });

  router.get("/projects/:id/qualifications", async (ctx) => {
    ctx.body = { data: (await listQualifications(deps, customerOf(ctx), ctx.params.id)).map(qualificationView) };
  });

  router.get("/projects/:id/annotators", async (ctx) => {
    ctx.body = { data: (await projectSkills(deps, customerOf(ctx), ctx.params.id)).map(projectSkillView) };
  });

  router.get("/projects/:id/suspensions", async (ctx) => {
    ctx.body = { data: (await listSuspensions(deps, customerOf(ctx), ctx.params.id)).map(suspensionView) };
  });

  router.post("/projects/:id/suspensions", async (ctx) => {
    const suspension = await suspendByHand(deps, customerOf(ctx), ctx.params.id, toDomainFields(ctx.request.body));
    ctx.status = 201;
    ctx.body = suspensionView(suspension);
  });

  router.delete("/projects/:id/suspensions/:annotatorId", async (ctx) => {
    await liftSuspension(deps, customerOf(ctx), ctx.params.id, ctx.params.annotatorId);
    ctx.status = 204;
  });
}
