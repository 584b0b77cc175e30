// The dashboard: the same numbers as /v1/dashboard/*, under one `dashboard` field.
import type { CustomerActor } from "../domain/shared/index.js";
import { getDailyUsage, getOverview, getQuality, getTaskTable, type Overview, type TypeQuality, type UsageDay } from "../domain/dashboard/index.js";
import { TASK_STATUSES } from "../domain/tasks/index.js";
import { builder } from "./builder.js";
import { BatchCounts, TaskRef } from "./tasks.js";

const Window = builder.objectRef<{ last24h: number; last7d: number }>("DashboardWindow").implement({
  fields: (t) => ({ last24h: t.exposeInt("last24h"), last7d: t.exposeInt("last7d") }),
});
const Turnaround = builder.objectRef<Overview["turnaround"]>("Turnaround").implement({
  description: "Seconds from submission to completion, over the last 30 days' completions.",
  fields: (t) => ({ median: t.exposeFloat("median", { nullable: true }), p90: t.exposeFloat("p90", { nullable: true }) }),
});
const OverviewRef = builder.objectRef<Overview>("DashboardOverview").implement({
  fields: (t) => ({
    counts: t.field({ type: BatchCounts, resolve: (o) => o.counts }),
    submitted: t.field({ type: Window, resolve: (o) => o.submitted }),
    completed: t.field({ type: Window, resolve: (o) => o.completed }),
    turnaround: t.field({ type: Turnaround, resolve: (o) => o.turnaround }),
    spendThisMonth: t.exposeInt("spendThisMonth", { description: "Minor units of currency" }),
    currency: t.exposeString("currency"),
    labelsRemaining: t.int({ resolve: (o) => o.quota.labelsRemaining }),
    openJobs: t.exposeInt("openJobs"),
    openBatches: t.exposeInt("openBatches"),
  }),
});
const QualityRef = builder.objectRef<TypeQuality>("TypeQuality").implement({
  fields: (t) => ({
    taskType: t.exposeString("taskType"),
    completed: t.exposeInt("completed"),
    meanConfidence: t.exposeFloat("meanConfidence", { nullable: true }),
    agreement: t.exposeFloat("agreement", { nullable: true }),
    goldAccuracy: t.exposeFloat("goldAccuracy", { nullable: true }),
    extraJudgmentShare: t.exposeFloat("extraJudgmentShare", { nullable: true }),
    confidenceHistogram: t.exposeIntList("confidenceHistogram"),
  }),
});
const UsageDayRef = builder.objectRef<UsageDay>("UsageDay").implement({
  fields: (t) => ({ date: t.exposeString("date"), submitted: t.exposeInt("submitted"), completed: t.exposeInt("completed"), spend: t.exposeInt("spend") }),
});
const TaskTableRef = builder.objectRef<Awaited<ReturnType<typeof getTaskTable>>>("TaskTable").implement({
  fields: (t) => ({
    items: t.field({ type: [TaskRef], resolve: (table) => table.items }),
    page: t.exposeInt("page"),
    perPage: t.exposeInt("perPage"),
    total: t.exposeInt("total"),
    totalPages: t.exposeInt("totalPages"),
  }),
});
const TaskTableSort = builder.enumType("TaskTableSort", {
  values: { CREATED_AT_DESC: { value: "created_at_desc" }, CREATED_AT_ASC: { value: "created_at_asc" }, UPDATED_AT_DESC: { value: "updated_at_desc" }, PRIORITY_DESC: { value: "priority_desc" } } as const,
});

const Dashboard = builder.objectRef<{ actor: CustomerActor }>("Dashboard").implement({
  fields: (t) => ({
    overview: t.field({ type: OverviewRef, resolve: ({ actor }, _args, { deps }) => getOverview(deps, actor) }),
    tasks: t.field({
      type: TaskTableRef,
      args: {
        page: t.arg.int(),
        perPage: t.arg.int(),
        status: t.arg.string({ description: `One of ${TASK_STATUSES.join(", ")}; none for all` }),
        sort: t.arg({ type: TaskTableSort }),
      },
      resolve: ({ actor }, args, { deps }) =>
        getTaskTable(deps, actor, { page: args.page ?? undefined, perPage: args.perPage ?? undefined, status: args.status || undefined, sort: args.sort ?? undefined }),
    }),
    quality: t.field({ type: [QualityRef], resolve: ({ actor }, _args, { deps }) => getQuality(deps, actor) }),
    usage: t.field({ type: [UsageDayRef], description: "The last 30 UTC days, oldest first.", resolve: ({ actor }, _args, { deps }) => getDailyUsage(deps, actor) }),
  }),
});

builder.queryField("dashboard", (t) =>
  t.withAuth({ customer: true }).field({ type: Dashboard, resolve: (_root, _args, context) => ({ actor: context.actor }) }),
);
