import { Readable } from "node:stream";
import type Router from "@koa/router";
import type { Deps } from "../deps.js";
import { cancelJob, createJob, exportJob, getJobWithCounts, listJobs, rankJobPreferences } from "../domain/jobs/index.js";
import { acceptedJobView, jobView, rankingView } from "../domain/representations/index.js";
import { ValidationError } from "../domain/shared/index.js";
import { jobTaskCounts } from "../domain/tasks/index.js";
import { customerOf } from "./auth.js";
import { toDomainFields } from "./field-names.js";
import { pageBody, pageQuery, pageRequest, single } from "./listing.js";
import { customerScope } from "../domain/system/index.js";
import { respondIdempotently } from "./respond.js";

export function jobRoutes(router: Router, deps: Deps) {
  router.post("/jobs", async (ctx) => {
    const actor = customerOf(ctx);
    await respondIdempotently(ctx, deps, customerScope(actor), async () => ({
      status: 202,
      body: acceptedJobView(await createJob(deps, actor, toDomainFields(ctx.request.body, "(body)", ["s3_credentials"]))),
    }));
  });

  router.get("/jobs", async (ctx) => {
    const page = pageRequest(ctx.query);
    const jobs = await listJobs(deps, customerOf(ctx), pageQuery(page));
    const counts = await Promise.all(jobs.slice(0, page.limit).map((job) => jobTaskCounts(deps.prisma, job.id)));
    const countsOf = new Map(jobs.slice(0, page.limit).map((job, i) => [job.id, counts[i]]));
    ctx.body = pageBody(jobs, page, (job) => jobView(job, countsOf.get(job.id)!));
  });

  router.get("/jobs/:id", async (ctx) => {
    const { job, counts } = await getJobWithCounts(deps, customerOf(ctx), ctx.params.id);
    ctx.body = jobView(job, counts);
  });

  router.get("/jobs/:id/ranking", async (ctx) => {
    ctx.body = rankingView(await rankJobPreferences(deps, customerOf(ctx), ctx.params.id));
  });

  router.get("/jobs/:id/export", async (ctx) => {
    // JSONL is the one format so far; asking for another is an error, not a surprise.
    const format = single(ctx.query.format) ?? "jsonl";
    if (format !== "jsonl") throw ValidationError.of([{ path: "format", message: "must be jsonl" }]);
    const lines = await exportJob(deps, customerOf(ctx), ctx.params.id);
    ctx.type = "application/x-ndjson";
    ctx.set("Content-Disposition", `attachment; filename="${ctx.params.id}.jsonl"`);
    ctx.body = Readable.from(lines);
  });

  router.post("/jobs/:id/cancel", async (ctx) => {
    const actor = customerOf(ctx);
    await respondIdempotently(ctx, deps, customerScope(actor), async () => {
      const job = await cancelJob(deps, actor, ctx.params.id);
      return { status: 200, body: jobView(job, await jobTaskCounts(deps.prisma, job.id)) };
    });
  });
}
