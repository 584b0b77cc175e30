import type Router from "@koa/router";
import { z } from "zod";
import type { Deps } from "../deps.js";
import { acceptedBatchView, acceptedTaskView, batchView, rankingView, taskResultView, taskView } from "../domain/representations/index.js";
import { parseInput } from "../domain/shared/index.js";
import {
  batchStatusCounts,
  cancelTask,
  getBatch,
  getTask,
  listTasks,
  rankBatchPreferences,
  submitBatch,
  submitTask,
  TASK_STATUSES,
  TASK_TYPES,
  type TaskFilter,
} from "../domain/tasks/index.js";
import { customerOf } from "./auth.js";
import { toDomainFields } from "./field-names.js";
import { pageBody, pageQuery, pageRequest, single } from "./listing.js";
import { customerScope } from "../domain/system/index.js";
import { respondIdempotently } from "./respond.js";

export const filterSchema = z.object({
  batch_id: z.string().max(100).optional(),
  job_id: z.string().max(100).optional(),
  project_id: z.string().max(100).optional(),
  status: z.enum(TASK_STATUSES, { message: `must be one of ${TASK_STATUSES.join(", ")}` }).optional(),
  type: z.enum(TASK_TYPES, { message: `must be one of ${TASK_TYPES.join(", ")}` }).optional(),
});

/** The filters of GET /v1/tasks; 400 naming the parameter when one is wrong. */
function taskFilter(query: Record<string, unknown>): TaskFilter {
  const parsed = parseInput(filterSchema, {
    batch_id: single(query.batch_id),
    job_id: single(query.job_id),
    project_id: single(query.project_id),
    status: single(query.status),
    type: single(query.type),
  });
  return { batchId: parsed.batch_id, jobId: parsed.job_id, projectId: parsed.project_id, status: parsed.status, type: parsed.type };
}

export function taskRoutes(router: Router, deps: Deps) {
  router.post("/tasks", async (ctx) => {
    const actor = customerOf(ctx);
    await respondIdempotently(ctx, deps, customerScope(actor), async () => ({
      status: 202,
      body: acceptedTaskView(await submitTask(deps, actor, toDomainFields(ctx.request.body))),
    }));
  });

  router.post("/tasks/batch", async (ctx) => {
    const actor = customerOf(ctx);
    await respondIdempotently(ctx, deps, customerScope(actor), async () => ({
      status: 202,
      body: acceptedBatchView(await submitBatch(deps, actor, batchInDomainFields(ctx.request.body))),
    }));
  });

  router.get("/tasks", async (ctx) => {
    const filter = taskFilter(ctx.query);
    const page = pageRequest(ctx.query);
    ctx.body = pageBody(await listTasks(deps, customerOf(ctx), filter, "newest_first", pageQuery(page)), page, taskView);
  });

  router.get("/batches/:id/tasks", async (ctx) => {
    const actor = customerOf(ctx);
    const batch = await getBatch(deps, actor, ctx.params.id);
    const page = pageRequest(ctx.query);
    // A batch reads in the order it was submitted.
    ctx.body = pageBody(await listTasks(deps, actor, { batchId: batch.id }, "oldest_first", pageQuery(page)), page, taskView);
  });

  router.get("/batches/:id/ranking", async (ctx) => {
    ctx.body = rankingView(await rankBatchPreferences(deps, customerOf(ctx), ctx.params.id));
  });

  router.get("/tasks/:id", async (ctx) => {
    ctx.body = taskView(await getTask(deps, customerOf(ctx), ctx.params.id));
  });

  router.get("/tasks/:id/result", async (ctx) => {
    const view = taskResultView(await getTask(deps, customerOf(ctx), ctx.params.id));
    ctx.status = view.status;
    ctx.body = view.body;
  });

  router.post("/tasks/:id/cancel", async (ctx) => {
    const actor = customerOf(ctx);
    await respondIdempotently(ctx, deps, customerScope(actor), async () => ({
      status: 200,
      body: taskView(await cancelTask(deps, actor, ctx.params.id)),
    }));
  });

  router.get("/batches/:id", async (ctx) => {
    const batch = await getBatch(deps, customerOf(ctx), ctx.params.id);
    ctx.body = batchView(batch, await batchStatusCounts(deps.prisma, batch.id));
  });
}

/** {"tasks": [...]} with each item's fields mapped; other shapes go to the domain to be refused. */
function batchInDomainFields(body: unknown): unknown {
  return toDomainFields(body, "(body)", ["tasks"]);
}
