import type Router from "@koa/router";
import type { Deps } from "../deps.js";
import { acceptedBatchView, acceptedTaskView, batchView, taskResultView, taskView } from "../domain/representations/index.js";
import { batchStatusCounts, cancelTask, getBatch, getTask, submitBatch, submitTask } from "../domain/tasks/index.js";
import { customerOf } from "./auth.js";
import { toDomainFields } from "./field-names.js";
import { respondIdempotently } from "./respond.js";

export function taskRoutes(router: Router, deps: Deps) {
  router.post("/tasks", async (ctx) => {
    const actor = customerOf(ctx);
    await respondIdempotently(ctx, deps, actor.customerId, async () => ({
      status: 202,
      body: acceptedTaskView(await submitTask(deps, actor, toDomainFields(ctx.request.body))),
    }));
  });

  router.post("/tasks/batch", async (ctx) => {
    const actor = customerOf(ctx);
    await respondIdempotently(ctx, deps, actor.customerId, async () => ({
      status: 202,
      body: acceptedBatchView(await submitBatch(deps, actor, batchInDomainFields(ctx.request.body))),
    }));
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
    await respondIdempotently(ctx, deps, actor.customerId, async () => ({
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
  const tasks = (body as { tasks?: unknown } | null)?.tasks;
  if (!Array.isArray(tasks)) return body;
  return { ...(body as object), tasks: tasks.map((task, index) => toDomainFields(task, `tasks[${index}]`)) };
}
