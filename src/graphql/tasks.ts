import { builder } from "./builder.js";
import { AppError, nullIfNotFound } from "./errors.js";
import { requireCustomer } from "./actor.js";
import { TASK_TYPES } from "../domain/task-types.js";
import {
  TASK_STATUSES,
  cancelTask,
  getTask,
  listTasks,
  submitBatch,
  submitTask,
  type TaskInput,
} from "../domain/tasks.js";
import { batchStatusCounts, getBatch } from "../domain/batches.js";
import { subscribeToTaskEvents } from "../domain/task-events.js";
import { cappedPageSize, DEFAULT_PAGE_SIZE } from "./pagination.js";

const enumValues = <T extends string>(values: readonly T[]) =>
  Object.fromEntries(values.map((value) => [value.toUpperCase(), { value }])) as Record<Uppercase<T>, { value: T }>;

const TaskStatus = builder.enumType("TaskStatus", { values: enumValues(TASK_STATUSES) });
const TaskType = builder.enumType("TaskType", { values: enumValues(TASK_TYPES) });
const TaskOrder = builder.enumType("TaskOrder", {
  values: { NEWEST_FIRST: { value: "newest_first" }, OLDEST_FIRST: { value: "oldest_first" } } as const,
});

export const TaskRef = builder.prismaNode("Task", {
  id: { field: "id" },
  // node(id) and refetches only ever find the caller's own tasks.
  findUnique: (id, context) => ({ id, customerId: context.actor?.kind === "customer" ? context.actor.customerId : "" }),
  fields: (t) => ({
    status: t.field({ type: TaskStatus, resolve: (task) => task.status as (typeof TASK_STATUSES)[number] }),
    type: t.field({ type: TaskType, resolve: (task) => task.type as (typeof TASK_TYPES)[number] }),
    dataUrl: t.exposeString("dataUrl", { nullable: true }),
    data: t.exposeString("data", { nullable: true }),
    labelSpec: t.expose("labelSpec", { type: "JSON" }),
    metadata: t.expose("metadata", { type: "JSON", nullable: true }),
    priority: t.exposeInt("priority"),
    replication: t.exposeInt("replication"),
    minConfidence: t.exposeFloat("minConfidence", { nullable: true }),
    callbackUrl: t.exposeString("callbackUrl", { nullable: true }),
    externalId: t.exposeString("externalId", { nullable: true }),
    gold: t.boolean({ resolve: (task) => !task.billable }),
    result: t.expose("result", { type: "JSON", nullable: true }),
    confidence: t.exposeFloat("confidence", { nullable: true }),
    judgmentCount: t.exposeInt("judgmentCount"),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
    completedAt: t.expose("completedAt", { type: "DateTime", nullable: true }),
    failureReason: t.exposeString("failureReason", { nullable: true }),
    batch: t.relation("batch", { nullable: true }),
  }),
});

const BatchCounts = builder
  .objectRef<Record<(typeof TASK_STATUSES)[number], number>>("BatchCounts")
  .implement({
    fields: (t) => ({
      pending: t.exposeInt("pending"),
      inProgress: t.exposeInt("in_progress"),
      completed: t.exposeInt("completed"),
      failed: t.exposeInt("failed"),
      canceled: t.exposeInt("canceled"),
    }),
  });

export const BatchRef = builder.prismaNode("Batch", {
  id: { field: "id" },
  findUnique: (id, context) => ({ id, customerId: context.actor?.kind === "customer" ? context.actor.customerId : "" }),
  fields: (t) => ({
    status: t.exposeString("status"),
    taskCount: t.exposeInt("taskCount"),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    completedAt: t.expose("completedAt", { type: "DateTime", nullable: true }),
    counts: t.field({ type: BatchCounts, resolve: (batch, _args, { deps }) => batchStatusCounts(deps, batch.id) }),
    tasks: t.relatedConnection("tasks", {
      cursor: "id",
      query: { orderBy: { id: "asc" } },
      defaultSize: DEFAULT_PAGE_SIZE,
      maxSize: cappedPageSize,
    }),
  }),
});

const SubmitTaskInput = builder.inputType("SubmitTaskInput", {
  fields: (t) => ({
    type: t.field({ type: TaskType, required: true }),
    dataUrl: t.string({ description: "http(s) URL of the image or text to label" }),
    data: t.string({ description: "Inline text, for text task types" }),
    labelSpec: t.field({ type: "JSON", required: true, description: "Type-specific; see the REST reference" }),
    metadata: t.field({ type: "JSON", description: "Small JSON object returned untouched" }),
    priority: t.int({ description: "0–10, higher first; default 5" }),
    callbackUrl: t.string(),
    replication: t.int({ description: "Judgments wanted" }),
    minConfidence: t.float({ description: "Ask for extra judgments below this confidence" }),
    externalId: t.string({ description: "Your id; a repeated one returns the existing task" }),
    goldAnswer: t.field({ type: "JSON", description: "Known answer: a gold task scores annotators and is not billed" }),
  }),
});

type SubmitTaskFields = typeof SubmitTaskInput.$inferInput;

/** GraphQL's camelCase input → the domain's (documented, snake_case) task input. */
function toTaskInput(input: SubmitTaskFields): TaskInput {
  const entries: [string, unknown][] = [
    ["type", input.type],
    ["data_url", input.dataUrl],
    ["data", input.data],
    ["label_spec", input.labelSpec],
    ["metadata", input.metadata],
    ["priority", input.priority],
    ["callback_url", input.callbackUrl],
    ["replication", input.replication],
    ["min_confidence", input.minConfidence],
    ["external_id", input.externalId],
    ["gold_answer", input.goldAnswer],
  ];
  return Object.fromEntries(entries.filter(([, value]) => value !== undefined && value !== null)) as TaskInput;
}

builder.mutationField("submitTask", (t) =>
  t.field({
    type: TaskRef,
    authScopes: { customer: true },
    errors: { types: [AppError] },
    args: { input: t.arg({ type: SubmitTaskInput, required: true }) },
    resolve: (_root, { input }, context) => submitTask(context.deps, requireCustomer(context), toTaskInput(input)),
  }),
);

const BatchSubmission = builder
  .objectRef<{ batchId: string; taskCount: number; duplicateCount: number; status: string }>("BatchSubmission")
  .implement({
    fields: (t) => ({
      batchId: t.exposeID("batchId"),
      taskCount: t.exposeInt("taskCount"),
      duplicateCount: t.exposeInt("duplicateCount"),
      status: t.exposeString("status"),
      batch: t.field({
        type: BatchRef,
        resolve: (submission, _args, context) => getBatch(context.deps, requireCustomer(context), submission.batchId),
      }),
    }),
  });

builder.mutationField("submitBatch", (t) =>
  t.field({
    type: BatchSubmission,
    authScopes: { customer: true },
    errors: { types: [AppError] },
    args: { tasks: t.arg({ type: [SubmitTaskInput], required: true }) },
    // Complexity grows with the batch, so cost limits stay meaningful.
    complexity: (args) => 1 + Math.ceil(args.tasks.length / 100),
    resolve: (_root, { tasks }, context) =>
      submitBatch(context.deps, requireCustomer(context), { tasks: tasks.map(toTaskInput) }),
  }),
);

builder.mutationField("cancelTask", (t) =>
  t.field({
    type: TaskRef,
    authScopes: { customer: true },
    errors: { types: [AppError] },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, context) => cancelTask(context.deps, requireCustomer(context), String(id)),
  }),
);

builder.queryField("task", (t) =>
  t.field({
    type: TaskRef,
    nullable: true,
    authScopes: { customer: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, context) =>
      nullIfNotFound(getTask(context.deps, requireCustomer(context), String(id))),
  }),
);

builder.queryField("batch", (t) =>
  t.field({
    type: BatchRef,
    nullable: true,
    authScopes: { customer: true },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, context) =>
      nullIfNotFound(getBatch(context.deps, requireCustomer(context), String(id))),
  }),
);

builder.queryField("tasks", (t) =>
  t.prismaConnection({
    type: "Task",
    cursor: "id",
    defaultSize: DEFAULT_PAGE_SIZE,
    maxSize: cappedPageSize,
    authScopes: { customer: true },
    args: {
      status: t.arg({ type: TaskStatus }),
      type: t.arg({ type: TaskType }),
      batchId: t.arg.id(),
      orderBy: t.arg({ type: TaskOrder, defaultValue: "newest_first" }),
    },
    resolve: (query, _root, args, context) =>
      listTasks(
        context.deps,
        requireCustomer(context),
        { status: args.status ?? undefined, type: args.type ?? undefined, batchId: args.batchId ? String(args.batchId) : undefined },
        args.orderBy ?? "newest_first",
        query,
      ),
  }),
);

builder.subscriptionField("taskStatusChanged", (t) =>
  t.field({
    type: TaskRef,
    description: "Status changes of one task; completes when the task is completed, failed or canceled.",
    authScopes: { customer: true },
    args: { taskId: t.arg.id({ required: true }) },
    subscribe: (_root, { taskId }, context) =>
      subscribeToTaskEvents(context.deps, requireCustomer(context), { taskId: String(taskId) }),
    resolve: (event, _args, context) => getTask(context.deps, requireCustomer(context), event.taskId),
  }),
);

builder.subscriptionField("taskUpdates", (t) =>
  t.field({
    type: TaskRef,
    description: "Status changes of all your tasks, or of one batch's.",
    authScopes: { customer: true },
    args: { batchId: t.arg.id() },
    subscribe: (_root, { batchId }, context) =>
      subscribeToTaskEvents(context.deps, requireCustomer(context), { batchId: batchId ? String(batchId) : undefined }),
    resolve: (event, _args, context) => getTask(context.deps, requireCustomer(context), event.taskId),
  }),
);
