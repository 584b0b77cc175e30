import type Router from "@koa/router";
import type { Deps } from "../deps.js";
import { cancelTask, getTask, submitBatch, submitTask, taskResultView, taskView } from "../domain/tasks.js";
import { batchStatusCounts, batchView, getBatch } from "../domain/batches.js";
import { requireCustomer } from "./auth.js";
import { respondIdempotently } from "./respond.js";

export function taskRoutes(router: Router, deps: Deps) {
  router.post("/tasks", async (ctx) => {
    const actor = await requireCustomer(ctx, deps);
    await respondIdempotently(ctx, deps, actor.customerId, async () => {
      const task = await submitTask(deps, actor, ctx.request.body);
      return { status: 202, body: { task_id: task.id, status: task.status, created_at: task.createdAt.toISOString() } };
    });
  });

  router.post("/tasks/batch", async (ctx) => {
    const actor = await requireCustomer(ctx, deps);
    await respondIdempotently(ctx, deps, actor.customerId, async () => {
      const batch = await submitBatch(deps, actor, ctx.request.body);
      return {
        status: 202,
        body: {
          batch_id: batch.batchId,
          task_count: batch.taskCount,
          status: batch.status,
          ...(batch.duplicateCount ? { duplicate_count: batch.duplicateCount } : {}),
        },
      };
    });
  });

  router.get("/tasks/:id", async (ctx) => {
    ctx.body = taskView(await getTask(deps, await requireCustomer(ctx, deps), ctx.params.id));
  });

  router.get("/tasks/:id/result", async (ctx) => {
    const view = taskResultView(await getTask(deps, await requireCustomer(ctx, deps), ctx.params.id));
    ctx.status = view.status;
    ctx.body = view.body;
  });

  router.post("/tasks/:id/cancel", async (ctx) => {
    const actor = await requireCustomer(ctx, deps);
    await respondIdempotently(ctx, deps, actor.customerId, async () => ({
      status: 200,
      body: taskView(await cancelTask(deps, actor, ctx.params.id)),
    }));
  });

  router.get("/batches/:id", async (ctx) => {
    const batch = await getBatch(deps, await requireCustomer(ctx, deps), ctx.params.id);
    ctx.body = batchView(batch, await batchStatusCounts(deps, batch.id));
  });
}
