import { createExport, EXPORT_FORMAT_NAMES, getExport, listExports } from "../domain/exports/index.js";
import { builder } from "./builder.js";
import { RESULT_OR_APP_ERROR } from "./errors.js";
import { withoutNulls } from "./input.js";
import { cappedPageSize, DEFAULT_PAGE_SIZE } from "./pagination.js";
import { TaskStatus, TaskType } from "./tasks.js";

const ExportFormat = builder.enumType("ExportFormat", {
  description: "A file format of an export.",
  values: Object.fromEntries(EXPORT_FORMAT_NAMES.map((name) => [name.toUpperCase(), { value: name, description: `${name} (as REST names it).` }])),
});

const ExportStatus = builder.enumType("ExportStatus", {
  description: "Where an export is.",
  values: {
    QUEUED: { value: "queued", description: "Waiting for a builder." },
    BUILDING: { value: "building", description: "Being written." },
    COMPLETED: { value: "completed", description: "Ready to download." },
    FAILED: { value: "failed", description: "Could not be built (error says why); ask again." },
  } as const,
});

builder.prismaObject("Export", {
  description: "An export of your tasks in a format: built in the background, then downloaded from downloadUrl.",
  fields: (t) => ({
    id: t.exposeID("id", { description: "exp_…, the same as in REST." }),
    status: t.field({ type: ExportStatus, description: "Where it is.", resolve: (exported) => exported.status as never }),
    format: t.exposeString("format", { description: `${EXPORT_FORMAT_NAMES.join(", ")}.` }),
    filter: t.expose("filter", { type: "JSON", description: "The filter as given (camelCase)." }),
    taskCount: t.exposeInt("taskCount", { description: "Tasks in the file (once completed)." }),
    skipped: t.expose("skipped", { type: "JSON", description: "Tasks the filter matched that the format cannot hold, by reason." }),
    bytes: t.float({ description: "The file's size.", resolve: (exported) => Number(exported.bytes) }),
    error: t.exposeString("error", { nullable: true, description: "Why it failed." }),
    downloadUrl: t.string({
      nullable: true,
      description: "GET it (with your key) once completed.",
      resolve: (exported) => (exported.status === "completed" ? `/v1/exports/${exported.id}/download` : null),
    }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When it was asked for." }),
    completedAt: t.expose("completedAt", { type: "DateTime", nullable: true, description: "When it was built." }),
  }),
});

const ExportFilterInput = builder.inputType("ExportFilterInput", {
  description: "Which tasks (all of your environment's without one).",
  fields: (t) => ({
    projectId: t.id({ description: "Only this project's." }),
    batchId: t.id({ description: "Only this batch's." }),
    jobId: t.id({ description: "Only this job's." }),
    status: t.field({ type: TaskStatus, description: "Only tasks in this status." }),
    type: t.field({ type: TaskType, description: "Only tasks of this type." }),
    createdAfter: t.field({ type: "DateTime", description: "Created at or after." }),
    createdBefore: t.field({ type: "DateTime", description: "Created before." }),
    completedAfter: t.field({ type: "DateTime", description: "Completed at or after." }),
    completedBefore: t.field({ type: "DateTime", description: "Completed before." }),
  }),
});

builder.queryField("exports", (t) =>
  t.withAuth({ customer: true }).prismaConnection({
    type: "Export",
    cursor: "id",
    defaultSize: DEFAULT_PAGE_SIZE,
    maxSize: cappedPageSize,
    description: "Your exports, newest first.",
    resolve: (query, _root, _args, context) => listExports(context.deps, context.actor, query),
  }),
);

builder.queryField("export", (t) =>
  t.withAuth({ customer: true }).prismaField({
    type: "Export",
    nullable: true,
    description: "One of your exports.",
    args: { id: t.arg.id({ required: true, description: "Export id (exp_…)." }) },
    resolve: (_query, _root, args, context) => getExport(context.deps, context.actor, String(args.id)).catch(() => null),
  }),
);

builder.mutationField("createExport", (t) =>
  t.withAuth({ customer: true }).prismaField({
    type: "Export",
    description: "Asks for an export; it is built in the background (as POST /v1/exports).",
    errors: RESULT_OR_APP_ERROR,
    args: {
      format: t.arg({ type: ExportFormat, required: true, description: "The file format." }),
      filter: t.arg({ type: ExportFilterInput, description: "Which tasks." }),
    },
    resolve: (_query, _root, { format, filter }, context) => {
      const given = withoutNulls(filter ?? {}) as Record<string, unknown>;
      const dates = Object.fromEntries(Object.entries(given).map(([key, value]) => [key, value instanceof Date ? value.toISOString() : value === undefined ? value : String(value)]));
      return createExport(context.deps, context.actor, { format, filter: dates });
    },
  }),
);
