import type Router from "@koa/router";
import type { Deps } from "../deps.js";
import { getDailyUsage, getOverview, getQuality, getTaskTable } from "../domain/dashboard/index.js";
import { dailyUsageView, overviewView, qualityView, taskTableView } from "../domain/representations/index.js";
import { customerOf } from "./auth.js";
import { single } from "./listing.js";

export function dashboardRoutes(router: Router, deps: Deps) {
  router.get("/dashboard/overview", async (ctx) => {
    ctx.body = overviewView(await getOverview(deps, customerOf(ctx)));
  });

  router.get("/dashboard/tasks", async (ctx) => {
    const query = {
      page: single(ctx.query.page),
      perPage: single(ctx.query.per_page),
      status: single(ctx.query.status),
      sort: single(ctx.query.sort),
      projectId: single(ctx.query.project_id) || undefined,
    };
    ctx.body = taskTableView(await getTaskTable(deps, customerOf(ctx), query));
  });

  router.get("/dashboard/quality", async (ctx) => {
    ctx.body = qualityView(await getQuality(deps, customerOf(ctx)));
  });

  router.get("/dashboard/usage", async (ctx) => {
    ctx.body = dailyUsageView(await getDailyUsage(deps, customerOf(ctx)));
  });
}
