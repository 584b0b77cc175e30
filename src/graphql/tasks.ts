import {
  batchStatusCounts,
  cancelTask,
  getBatch,
  getTask,
  listTasks,
  submitBatch,
  submitTask,
  subscribeToTaskStatus,
  subscribeToTaskUpdates,
  type TaskUpdate,
  TASK_STATUSES,
  TASK_TYPES,
  type BatchSubmission,
  type StatusCounts,
  type TaskStatus as TaskStatusValue,
  type TaskType as TaskTypeValue,
} from "../domain/tasks/index.js";
import { builder } from "./builder.js";
import { AppError, nullIfNotFound } from "./errors.js";
import { withoutNulls } from "./input.js";
import { cappedPageSize, DEFAULT_PAGE_SIZE } from "./pagination.js";

const enumValues = <T extends string>(values: readonly T[]) =>
  Object.fromEntries(values.map((value) => [value.toUpperCase(), { value }])) as Record<Uppercase<T>, { value: T }>;

const TaskStatus = builder.enumType("TaskStatus", { values: enumValues(TASK_STATUSES) });
export const TaskType = builder.enumType("TaskType", { values: enumValues(TASK_TYPES) });
const TaskOrder = builder.enumType("TaskOrder", {
  values: { NEWEST_FIRST: { value: "newest_first" }, OLDEST_FIRST: { value: "oldest_first" } } as const,
});

export const TaskRef = builder.prismaNode("Task", {
  id: { field: "id" },
  // node(id) and refetches only ever find the caller's own tasks; another's id is null.
  findUnique: (id, context) => ({ id, customerId: context.actor?.kind === "customer" ? context.actor.customerId : "" }),
  nullable: true,
  fields: (t) => ({
    status: t.field({ type: TaskStatus, resolve: (task) => task.status as TaskStatusValue }),
    type: t.field({ type: TaskType, resolve: (task) => task.type as TaskTypeValue }),
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

export const BatchCounts = builder
  .objectRef<StatusCounts>("BatchCounts")
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
  nullable: true,
  fields: (t) => ({
    status: t.exposeString("status"),
    taskCount: t.exposeInt("taskCount"),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    completedAt: t.expose("completedAt", { type: "DateTime", nullable: true }),
    counts: t.field({ type: BatchCounts, resolve: (batch, _args, { deps }) => batchStatusCounts(deps.prisma, batch.id) }),
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

builder.mutationField("submitTask", (t) =>
  t.withAuth({ customer: true }).field({
    type: TaskRef,
    errors: { types: [AppError] },
    args: { input: t.arg({ type: SubmitTaskInput, required: true }) },
    resolve: (_root, { input }, context) => submitTask(context.deps, context.actor, withoutNulls(input)),
  }),
);

const BatchSubmissionRef = builder
  .objectRef<BatchSubmission>("BatchSubmission")
  .implement({
    fields: (t) => ({
      batchId: t.exposeID("batchId"),
      taskCount: t.exposeInt("taskCount"),
      duplicateCount: t.exposeInt("duplicateCount"),
      taskIds: t.exposeIDList("taskIds", { description: "The task of each item, in input order." }),
      status: t.exposeString("status"),
      batch: t.withAuth({ customer: true }).field({
        type: BatchRef,
        resolve: (submission, _args, context) => getBatch(context.deps, context.actor, submission.batchId),
      }),
    }),
  });

builder.mutationField("submitBatch", (t) =>
  t.withAuth({ customer: true }).field({
    type: BatchSubmissionRef,
    errors: { types: [AppError] },
    args: { tasks: t.arg({ type: [SubmitTaskInput], required: true }) },
    // Complexity grows with the batch, so cost limits stay meaningful.
    complexity: (args) => 1 + Math.ceil(args.tasks.length / 100),
    resolve: (_root, { tasks }, context) =>
      submitBatch(context.deps, context.actor, { tasks: tasks.map(withoutNulls) }),
  }),
);

builder.mutationField("cancelTask", (t) =>
  t.withAuth({ customer: true }).field({
    type: TaskRef,
    errors: { types: [AppError] },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, context) => cancelTask(context.deps, context.actor, String(id)),
  }),
);

builder.queryField("task", (t) =>
  t.withAuth({ customer: true }).field({
    type: TaskRef,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, context) =>
      nullIfNotFound(getTask(context.deps, context.actor, String(id))),
  }),
);

builder.queryField("batch", (t) =>
  t.withAuth({ customer: true }).field({
    type: BatchRef,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, context) =>
      nullIfNotFound(getBatch(context.deps, context.actor, String(id))),
  }),
);

builder.queryField("tasks", (t) =>
  t.withAuth({ customer: true }).prismaConnection({
    type: "Task",
    cursor: "id",
    defaultSize: DEFAULT_PAGE_SIZE,
    maxSize: cappedPageSize,
    args: {
      status: t.arg({ type: TaskStatus }),
      type: t.arg({ type: TaskType }),
      batchId: t.arg.id(),
      jobId: t.arg.id(),
      orderBy: t.arg({ type: TaskOrder, defaultValue: "newest_first" }),
    },
    resolve: (query, _root, args, context) =>
      listTasks(
        context.deps,
        context.actor,
        {
          status: args.status ?? undefined,
          type: args.type ?? undefined,
          batchId: args.batchId ? String(args.batchId) : undefined,
          jobId: args.jobId ? String(args.jobId) : undefined,
        },
        args.orderBy ?? "newest_first",
        query,
      ),
  }),
);

builder.subscriptionField("taskStatusChanged", (t) =>
  t.withAuth({ customer: true }).field({
    type: TaskRef,
    description: "One task's status now, then each change; completes when the task is completed, failed or canceled (at once if it already is).",
    args: { taskId: t.arg.id({ required: true }) },
    subscribe: (_root, { taskId }, context) =>
      subscribeToTaskStatus(context.deps, context.actor, String(taskId)),
    resolve: (event, _args, context) => getTask(context.deps, context.actor, event.taskId),
  }),
);

const TaskUpdateRef = builder.objectRef<TaskUpdate>("TaskUpdate").implement({
  description: "A change seen by a taskUpdates subscriber.",
  fields: (t) => ({
    task: t.withAuth({ customer: true }).field({
      type: TaskRef,
      nullable: true,
      description: "The task whose status changed; null in a batch's first update, which carries the batch as it is.",
      resolve: (update, _args, context) => (update.taskId ? getTask(context.deps, context.actor, update.taskId) : null),
    }),
    batch: t.withAuth({ customer: true }).field({
      type: BatchRef,
      nullable: true,
      description: "The task's batch, read when the update is sent (its counts include this change); null for a task outside any batch.",
      resolve: (update, _args, context) => (update.batchId ? getBatch(context.deps, context.actor, update.batchId) : null),
    }),
  }),
});

builder.subscriptionField("taskUpdates", (t) =>
  t.withAuth({ customer: true }).field({
    type: TaskUpdateRef,
    description:
      "Status changes of all your tasks, or of one batch's. With batchId, the first update has no task and the batch as it is now (its counts), then one update per change.",
    args: { batchId: t.arg.id({ description: "Only this batch's tasks; the stream starts with the batch's counts." }) },
    subscribe: (_root, { batchId }, context) => subscribeToTaskUpdates(context.deps, context.actor, batchId ? String(batchId) : undefined),
    resolve: (update) => update,
  }),
);
