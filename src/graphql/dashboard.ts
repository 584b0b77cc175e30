// The dashboard: the same numbers as /v1/dashboard/*, under one `dashboard` field.
import type { CustomerActor } from "../domain/shared/index.js";
import { getDailyUsage, getOverview, getQuality, getTaskTable, type Overview, type TypeQuality, type UsageDay } from "../domain/dashboard/index.js";
import { TASK_STATUSES } from "../domain/tasks/index.js";
import { builder } from "./builder.js";
import { BatchCounts, TaskRef } from "./tasks.js";

const Window = builder.objectRef<{ last24h: number; last7d: number }>("DashboardWindow").implement({
  description: "A count over the last day and the last week.",
  fields: (t) => ({
    last24h: t.exposeInt("last24h", { description: "In the last 24 hours." }),
    last7d: t.exposeInt("last7d", { description: "In the last 7 days." }),
  }),
});
const Turnaround = builder.objectRef<Overview["turnaround"]>("Turnaround").implement({
  description: "Seconds from submission to completion, over the last 30 days' completions.",
  fields: (t) => ({
    median: t.exposeFloat("median", { nullable: true, description: "Half of the tasks completed faster; null without completions." }),
    p90: t.exposeFloat("p90", { nullable: true, description: "90% completed faster; null without completions." }),
  }),
});
const OverviewRef = builder.objectRef<Overview>("DashboardOverview").implement({
  description: "Your account at a glance (GET /v1/dashboard/overview).",
  fields: (t) => ({
    counts: t.field({ type: BatchCounts, description: "All your tasks by status.", resolve: (o) => o.counts }),
    submitted: t.field({ type: Window, description: "Tasks submitted.", resolve: (o) => o.submitted }),
    completed: t.field({ type: Window, description: "Tasks completed.", resolve: (o) => o.completed }),
    turnaround: t.field({ type: Turnaround, description: "Submission to completion, in seconds.", resolve: (o) => o.turnaround }),
    spendThisMonth: t.exposeInt("spendThisMonth", { description: "Minor units of currency" }),
    currency: t.exposeString("currency", { description: "ISO 4217, lower case." }),
    labelsRemaining: t.int({ description: "Left in the quota of your key's environment.", resolve: (o) => o.quota.labelsRemaining }),
    openJobs: t.exposeInt("openJobs", { description: "Jobs queued, ingesting or labeling." }),
    openBatches: t.exposeInt("openBatches", { description: "Batches with open tasks." }),
  }),
});
const QualityRef = builder.objectRef<TypeQuality>("TypeQuality").implement({
  description: "Label quality of one task type, over your completed tasks.",
  fields: (t) => ({
    taskType: t.exposeString("taskType", { description: "The task type." }),
    completed: t.exposeInt("completed", { description: "Completed tasks of this type." }),
    meanConfidence: t.exposeFloat("meanConfidence", { nullable: true, description: "Mean result confidence, 0–1." }),
    agreement: t.exposeFloat("agreement", { nullable: true, description: "Share of judgments equal to their task's result." }),
    goldAccuracy: t.exposeFloat("goldAccuracy", { nullable: true, description: "Share of gold tasks whose result matched the known answer." }),
    extraJudgmentShare: t.exposeFloat("extraJudgmentShare", {
      nullable: true,
      description: "Share of tasks that needed more judgments than their replication (low confidence).",
    }),
    confidenceHistogram: t.exposeIntList("confidenceHistogram", { description: "Tasks per confidence decile: [0–0.1), …, [0.9–1]." }),
  }),
});
const UsageDayRef = builder.objectRef<UsageDay>("UsageDay").implement({
  description: "One UTC day of activity.",
  fields: (t) => ({
    date: t.exposeString("date", { description: "YYYY-MM-DD (UTC)." }),
    submitted: t.exposeInt("submitted", { description: "Tasks submitted." }),
    completed: t.exposeInt("completed", { description: "Tasks completed." }),
    spend: t.exposeInt("spend", { description: "Their price, in minor units." }),
  }),
});
const TaskTableRef = builder.objectRef<Awaited<ReturnType<typeof getTaskTable>>>("TaskTable").implement({
  description: "A numbered page of your tasks.",
  fields: (t) => ({
    items: t.field({ type: [TaskRef], description: "This page's tasks.", resolve: (table) => table.items }),
    page: t.exposeInt("page", { description: "This page's number, from 1." }),
    perPage: t.exposeInt("perPage", { description: "Tasks per page." }),
    total: t.exposeInt("total", { description: "Tasks matching the filter." }),
    totalPages: t.exposeInt("totalPages", { description: "Pages at this size." }),
  }),
});
const TaskTableSort = builder.enumType("TaskTableSort", {
  description: "The order of the task table.",
  values: {
    CREATED_AT_DESC: { value: "created_at_desc", description: "Newest first (default)." },
    CREATED_AT_ASC: { value: "created_at_asc", description: "Oldest first." },
    UPDATED_AT_DESC: { value: "updated_at_desc", description: "Most recently changed first." },
    PRIORITY_DESC: { value: "priority_desc", description: "Highest priority first." },
  } as const,
});

const Dashboard = builder.objectRef<{ actor: CustomerActor }>("Dashboard").implement({
  description: "The numbers of /v1/dashboard/*, computed with aggregate SQL.",
  fields: (t) => ({
    overview: t.field({ type: OverviewRef, description: "Counts, throughput, turnaround, spend and quota.", resolve: ({ actor }, _args, { deps }) => getOverview(deps, actor) }),
    tasks: t.field({
      type: TaskTableRef,
      description: "Your tasks, a numbered page at a time.",
      args: {
        page: t.arg.int({ description: "From 1 (default 1)." }),
        perPage: t.arg.int({ description: "1–100 (default 25)." }),
        status: t.arg.string({ description: `One of ${TASK_STATUSES.join(", ")}; none for all` }),
        sort: t.arg({ type: TaskTableSort, description: "Default CREATED_AT_DESC." }),
        projectId: t.arg.id({ description: "Only this project's tasks." }),
      },
      resolve: ({ actor }, args, { deps }) =>
        getTaskTable(deps, actor, {
          page: args.page ?? undefined,
          perPage: args.perPage ?? undefined,
          status: args.status || undefined,
          sort: args.sort ?? undefined,
          projectId: args.projectId ? String(args.projectId) : undefined,
        }),
    }),
    quality: t.field({ type: [QualityRef], description: "Per task type.", resolve: ({ actor }, _args, { deps }) => getQuality(deps, actor) }),
    usage: t.field({ type: [UsageDayRef], description: "The last 30 UTC days, oldest first.", resolve: ({ actor }, _args, { deps }) => getDailyUsage(deps, actor) }),
  }),
});

builder.queryField("dashboard", (t) =>
  t.withAuth({ customer: true }).field({
    type: Dashboard,
    description: "Your dashboard: overview, task table, quality and daily usage.",
    resolve: (_root, _args, context) => ({ actor: context.actor }),
  }),
);
