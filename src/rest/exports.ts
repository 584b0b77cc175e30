import { Readable } from "node:stream";
import type Router from "@koa/router";
import type Koa from "koa";
import type { Deps } from "../deps.js";
import { createExport, downloadExport, getExport, listExports, streamExport, type Download } from "../domain/exports/index.js";
import { exportView } from "../domain/representations/index.js";
import { customerScope } from "../domain/system/index.js";
import { customerOf } from "./auth.js";
import { toDomainFields } from "./field-names.js";
import { pageBody, pageQuery, pageRequest, single } from "./listing.js";
import { respondIdempotently } from "./respond.js";

/** The filter's query parameters (GET /v1/tasks/export), as POST /v1/exports takes them in `filter`. */
const FILTER_PARAMETERS = ["project_id", "batch_id", "job_id", "status", "type", "created_after", "created_before", "completed_after", "completed_before"];

function sendFile(ctx: Koa.Context, download: Download) {
  ctx.type = download.contentType;
  ctx.set("Content-Disposition", `attachment; filename="${download.fileName}"`);
  if (download.bytes !== undefined) ctx.length = download.bytes;
  // A byte stream (Readable.from would hold up to 16 pieces, 16 chunks of a built export, before the socket took them).
  ctx.body = Readable.from(download.body, { objectMode: false });
}

export function exportRoutes(router: Router, deps: Deps) {
  router.post("/exports", async (ctx) => {
    const actor = customerOf(ctx);
    await respondIdempotently(ctx, deps, customerScope(actor), async () => {
      const created = await createExport(deps, actor, toDomainFields(ctx.request.body, "(body)", ["filter"]));
      return { status: 202, body: exportView(created) };
    });
  });

  router.get("/exports", async (ctx) => {
    const page = pageRequest(ctx.query);
    const exports = await listExports(deps, customerOf(ctx), pageQuery(page));
    ctx.body = pageBody(exports, page, exportView);
  });

  router.get("/exports/:id", async (ctx) => {
    ctx.body = exportView(await getExport(deps, customerOf(ctx), ctx.params.id));
  });

  router.get("/exports/:id/download", async (ctx) => {
    sendFile(ctx, await downloadExport(deps, customerOf(ctx), ctx.params.id));
  });

  /** Registered before /tasks/:id. */
  router.get("/tasks/export", async (ctx) => {
    const filter = Object.fromEntries(FILTER_PARAMETERS.flatMap((name) => (single(ctx.query[name]) ? [[name, single(ctx.query[name])]] : [])));
    const input = toDomainFields({ format: single(ctx.query.format) ?? "jsonl", filter }, "(query)", ["filter"]);
    sendFile(ctx, await streamExport(deps, customerOf(ctx), input));
  });
}
