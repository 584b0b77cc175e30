import {
  countsOfBatch,
  cancelTask,
  getBatch,
  getTask,
  listTasks,
  rankPreferences,
  submitBatch,
  submitTask,
  subscribeToTaskStatus,
  subscribeToTaskUpdates,
  type TaskUpdate,
  TASK_STATUSES,
  TASK_TYPES,
  type BatchSubmission,
  type PreferenceRanking,
  type RankedItem,
  type StatusCounts,
  type TaskStatus as TaskStatusValue,
  type TaskType as TaskTypeValue,
} from "../domain/tasks/index.js";
import { tenantOf } from "../domain/shared/index.js";
import { builder } from "./builder.js";
import { nullIfNotFound, RESULT_OR_APP_ERROR } from "./errors.js";
import { enumValues, withoutNulls } from "./input.js";
import { cappedPageSize, DEFAULT_PAGE_SIZE } from "./pagination.js";

export const TaskStatus = builder.enumType("TaskStatus", {
  description: "Where a task is: PENDING → IN_PROGRESS → COMPLETED | FAILED | CANCELED.",
  values: enumValues(TASK_STATUSES, {
    pending: "Waiting for its first annotator.",
    in_progress: "At least one annotator has it or has answered; more judgments are wanted.",
    completed: "Labeled: the result and its confidence are final (and the label billed).",
    failed: "Annotators could not label it (see failureReason); not billed.",
    canceled: "Canceled by you (or with its job) before it completed; not billed.",
  }),
});
export const TaskType = builder.enumType("TaskType", {
  description: "What kind of labeling a task asks for; each has its own labelSpec and answer shape.",
  values: enumValues(TASK_TYPES, {
    image_classification: "One option for an image (labelSpec: question, options).",
    text_classification: "One option for a text (labelSpec: question, options).",
    multi_label_classification: "Any number of options (labelSpec: question, options).",
    bounding_box: "Boxes around objects of the given classes in an image.",
    named_entity: "Labeled character spans in a text.",
    rating: "Scores on an integer scale for each of the spec's criteria (labelSpec: question, criteria, scale).",
    text_response: "A free-text answer: a transcription or a written reply (labelSpec: question, max_length, min_length).",
    pairwise_preference:
      "Which of two responses to a prompt is better (data: the JSON text of {prompt, responses: [{id, text}, {id, text}]}; labelSpec: question, allow_tie, strength_labels, require_reason).",
    polygon: "Outlines (polygons of [x, y] points) around objects of the given classes in an image (labelSpec: question, classes).",
    keypoints: "Named points on each object of an image, e.g. a pose (labelSpec: question, keypoints, sigmas, skeleton).",
  }),
});
const TaskOrder = builder.enumType("TaskOrder", {
  description: "The order of a task listing.",
  values: {
    NEWEST_FIRST: { value: "newest_first", description: "Most recently submitted first." },
    OLDEST_FIRST: { value: "oldest_first", description: "Oldest first." },
  } as const,
});

/** As completion stores it (and REST returns it): snake_case vote keys. */
interface AggregationValue {
  method: string;
  votes: { annotator_id: string; answer: unknown; reliability: number }[];
}

const VoteRef = builder.objectRef<AggregationValue["votes"][number]>("Vote").implement({
  description: "One annotator's judgment, as it counted in the aggregation.",
  fields: (t) => ({
    annotatorId: t.id({ description: "The annotator (ann_…).", resolve: (vote) => vote.annotator_id }),
    answer: t.field({ type: "JSON", description: "Their answer, in the type's answer shape.", resolve: (vote) => vote.answer }),
    reliability: t.exposeFloat("reliability", { description: "Their estimated accuracy (0–1) when the task completed." }),
  }),
});

const AggregationRef = builder.objectRef<AggregationValue>("Aggregation").implement({
  description: "How a task's judgments became its result.",
  fields: (t) => ({
    method: t.exposeString("method", {
      description: "weighted_vote (skill-weighted; also pairwise preferences), dawid_skene, per_option_vote (multi-label), iou_clustering (boxes), span_vote (entities), weighted_median (ratings), edit_distance_medoid (text responses), mask_iou_clustering (polygons) or oks_clustering (keypoints).",
    }),
    votes: t.field({ type: [VoteRef], description: "Every judgment that counted.", resolve: (aggregation) => aggregation.votes }),
  }),
});

export const TaskRef = builder.prismaNode("Task", {
  description: "A labeling task: what to label, and once completed its result.",
  id: { field: "id", description: "Task id (tsk_…), the same as in REST." },
  // node(id) and refetches only ever find the caller's own tasks; another's id is null.
  findUnique: (id, context) => (context.actor?.kind === "customer" ? { id, ...tenantOf(context.actor) } : { id, customerId: "" }),
  nullable: true,
  fields: (t) => ({
    status: t.field({ description: "Where the task is in its lifecycle.", type: TaskStatus, resolve: (task) => task.status as TaskStatusValue }),
    type: t.field({ description: "The kind of labeling asked for.", type: TaskType, resolve: (task) => task.type as TaskTypeValue }),
    dataUrl: t.exposeString("dataUrl", { description: "URL of the image or text to label, when given.", nullable: true }),
    data: t.exposeString("data", { description: "Inline text to label, when given (for pairwise_preference the JSON text of its prompt and responses).", nullable: true }),
    labelSpec: t.expose("labelSpec", { description: "The type-specific question, options or classes, as submitted.", type: "JSON" }),
    metadata: t.expose("metadata", { description: "Your JSON, returned untouched.", type: "JSON", nullable: true }),
    projectId: t.exposeID("projectId", { description: "Its project (prj_…), if it has one.", nullable: true }),
    priority: t.exposeInt("priority", { description: "0–10: higher is offered to annotators first." }),
    replication: t.exposeInt("replication", { description: "Judgments wanted before the result is aggregated." }),
    minConfidence: t.exposeFloat("minConfidence", { description: "Below this confidence, up to 4 extra judgments are asked for.", nullable: true }),
    callbackUrl: t.exposeString("callbackUrl", { description: "Receives this task's events (Standard Webhooks signed), besides your webhooks.", nullable: true }),
    externalId: t.exposeString("externalId", { description: "Your id for it: a repeated one returns this task instead of a new one.", nullable: true }),
    gold: t.boolean({ description: "A gold task (known answer): scores annotators, is not billed.", resolve: (task) => !task.billable }),
    result: t.expose("result", { description: "The aggregated answer once completed (shape of the type's answer); null before.", type: "JSON", nullable: true }),
    confidence: t.exposeFloat("confidence", { description: "How sure the aggregation is of the result, 0–1; null before completion.", nullable: true }),
    judgmentCount: t.exposeInt("judgmentCount", { description: "Judgments recorded so far." }),
    createdAt: t.expose("createdAt", { description: "When it was submitted.", type: "DateTime" }),
    updatedAt: t.expose("updatedAt", { description: "When it last changed.", type: "DateTime" }),
    completedAt: t.expose("completedAt", { description: "When it ended (completed, failed or canceled); null while open.", type: "DateTime", nullable: true }),
    failureReason: t.exposeString("failureReason", { description: "Why it failed; null otherwise.", nullable: true }),
    batch: t.relation("batch", { description: "The batch it was submitted in; null for a single task.", nullable: true }),
    aggregation: t.field({
      type: AggregationRef,
      nullable: true,
      description: "How the result was reached: the method, each vote and how reliable its annotator was; null until completed.",
      resolve: (task) => (task.aggregation as AggregationValue | null) ?? null,
    }),
  }),
});

export const BatchCounts = builder
  .objectRef<StatusCounts>("BatchCounts")
  .implement({
    description: "Tasks of a batch by status, read when asked for.",
    fields: (t) => ({
      pending: t.exposeInt("pending", { description: "Waiting for an annotator." }),
      inProgress: t.exposeInt("in_progress", { description: "Being labeled." }),
      completed: t.exposeInt("completed", { description: "Labeled." }),
      failed: t.exposeInt("failed", { description: "Could not be labeled." }),
      canceled: t.exposeInt("canceled", { description: "Canceled." }),
    }),
  });

const BatchStatus = builder.enumType("BatchStatus", {
  description: "A batch is completed once none of its tasks is pending or in progress.",
  values: {
    PENDING: { value: "pending", description: "Some of its tasks are pending or in progress." },
    COMPLETED: { value: "completed", description: "Every task has ended (completed, failed or canceled)." },
  } as const,
});

const RankedItem = builder.objectRef<RankedItem>("RankedItem").implement({
  description: "A response ranked by Bradley–Terry over the pairwise_preference tasks that compared it.",
  fields: (t) => ({
    id: t.exposeString("id", { description: "The response's id (a model's name, say), or its text when it has none." }),
    score: t.exposeFloat("score", { description: "Log strength, centred on 0: P(i beats j) = 1 / (1 + exp(score_j - score_i))." }),
    rank: t.exposeInt("rank", { description: "1 for the strongest; equal scores share a rank." }),
    wins: t.exposeInt("wins", { description: "Completed comparisons it won." }),
    losses: t.exposeInt("losses", { description: "Completed comparisons it lost." }),
    ties: t.exposeInt("ties", { description: "Completed comparisons that tied." }),
  }),
});
export const PreferenceRankingRef = builder.objectRef<PreferenceRanking>("PreferenceRanking").implement({
  description: "The responses compared by completed pairwise_preference tasks, strongest first.",
  fields: (t) => ({
    comparisons: t.exposeInt("comparisons", { description: "Completed pairwise_preference tasks counted, one game each." }),
    items: t.field({ type: [RankedItem], description: "Strongest first.", resolve: (ranking) => ranking.items }),
  }),
});

export const BatchRef = builder.prismaNode("Batch", {
  description: "Tasks submitted together by submitBatch (or POST /v1/tasks/batch).",
  id: { field: "id", description: "Batch id (bat_…), the same as in REST." },
  findUnique: (id, context) => (context.actor?.kind === "customer" ? { id, ...tenantOf(context.actor) } : { id, customerId: "" }),
  nullable: true,
  fields: (t) => ({
    status: t.field({ description: "PENDING while any task is open, then COMPLETED.", type: BatchStatus, resolve: (batch) => batch.status as "pending" | "completed" }),
    taskCount: t.exposeInt("taskCount", { description: "Tasks created by the batch (duplicates by externalId not counted)." }),
    createdAt: t.expose("createdAt", { description: "When it was submitted.", type: "DateTime" }),
    completedAt: t.expose("completedAt", { description: "When its last task ended; null before.", type: "DateTime", nullable: true }),
    counts: t.field({ description: "Its tasks by status, now.", type: BatchCounts, resolve: (batch, _args, { deps }) => countsOfBatch(deps, batch) }),
    ranking: t.field({
      description: "Its pairwise_preference tasks' responses ranked by Bradley–Terry (GET /v1/batches/{id}/ranking).",
      type: PreferenceRankingRef,
      resolve: (batch, _args, { deps }) => rankPreferences(deps, batch, { batchId: batch.id }),
    }),
    tasks: t.relatedConnection("tasks", {
      description: "Its tasks in submission order, a page at a time (at most 100).",
      cursor: "id",
      query: { orderBy: { id: "asc" } },
      defaultSize: DEFAULT_PAGE_SIZE,
      maxSize: cappedPageSize,
    }),
  }),
});

const SubmitTaskInput = builder.inputType("SubmitTaskInput", {
  description: "A task to label; the REST reference's POST /v1/tasks body, in camelCase.",
  fields: (t) => ({
    type: t.field({ description: "The kind of labeling (required unless projectId gives it).", type: TaskType }),
    dataUrl: t.string({ description: "http(s) URL of the image or text to label" }),
    data: t.string({ description: "Inline text, for text task types (for pairwise_preference the JSON text of {prompt, responses})" }),
    labelSpec: t.field({ type: "JSON", description: "Type-specific; see the REST reference (required unless projectId gives it)" }),
    metadata: t.field({ type: "JSON", description: "Small JSON object returned untouched" }),
    priority: t.int({ description: "0–10, higher first; default 5" }),
    callbackUrl: t.string({ description: "Receives this task's events, signed with your callbackSecret (Standard Webhooks)." }),
    replication: t.int({ description: "Judgments wanted" }),
    minConfidence: t.float({ description: "Ask for extra judgments below this confidence" }),
    externalId: t.string({ description: "Your id; a repeated one returns the existing task" }),
    goldAnswer: t.field({ type: "JSON", description: "Known answer: a gold task scores annotators and is not billed" }),
    projectId: t.id({ description: "Its project (prj_…): the project's type, labelSpec, replication, minConfidence and priority fill in what the task does not say." }),
  }),
});

builder.mutationField("submitTask", (t) =>
  t.withAuth({ customer: true }).field({
    description: "Submits one task; a repeated externalId returns the existing task. Charges one label of the key's environment.",
    type: TaskRef,
    errors: RESULT_OR_APP_ERROR,
    args: { input: t.arg({ description: "The task.", type: SubmitTaskInput, required: true }) },
    resolve: (_root, { input }, context) => submitTask(context.deps, context.actor, withoutNulls(input)),
  }),
);

const SubmissionStatus = builder.enumType("SubmissionStatus", {
  description: "What became of a submitted batch.",
  values: { ACCEPTED: { value: "accepted", description: "Every task was created (or found by externalId) and queued." } } as const,
});

const BatchSubmissionRef = builder
  .objectRef<BatchSubmission>("BatchSubmission")
  .implement({
    description: "A batch accepted by submitBatch.",
    fields: (t) => ({
      batchId: t.exposeID("batchId", { description: "Batch id (bat_…)." }),
      taskCount: t.exposeInt("taskCount", { description: "Tasks created." }),
      duplicateCount: t.exposeInt("duplicateCount", { description: "Items whose externalId matched an existing task (that task's id is in taskIds)." }),
      taskIds: t.exposeIDList("taskIds", { description: "The task of each item, in input order." }),
      status: t.field({ type: SubmissionStatus, description: "ACCEPTED: the tasks exist and are queued.", resolve: (submission) => submission.status }),
      batch: t.withAuth({ customer: true }).field({ description: "The batch, with its counts.",
        type: BatchRef,
        resolve: (submission, _args, context) => getBatch(context.deps, context.actor, submission.batchId),
      }),
    }),
  });

builder.mutationField("submitBatch", (t) =>
  t.withAuth({ customer: true }).field({
    description: "Submits up to 10,000 tasks at once, all or nothing.",
    type: BatchSubmissionRef,
    errors: RESULT_OR_APP_ERROR,
    args: {
      tasks: t.arg({ description: "The tasks, in order.", type: [SubmitTaskInput], required: true }),
      projectId: t.arg.id({ description: "A project for the tasks that name none." }),
    },
    // Complexity grows with the batch, so cost limits stay meaningful.
    complexity: (args) => 1 + Math.ceil(args.tasks.length / 100),
    resolve: (_root, { tasks, projectId }, context) =>
      submitBatch(context.deps, context.actor, { tasks: tasks.map(withoutNulls), ...(projectId ? { projectId: String(projectId) } : {}) }),
  }),
);

builder.mutationField("cancelTask", (t) =>
  t.withAuth({ customer: true }).field({
    description: "Cancels a task that has not ended; its label returns to your quota.",
    type: TaskRef,
    errors: RESULT_OR_APP_ERROR,
    args: { id: t.arg.id({ description: "Task id (tsk_…).", required: true }) },
    resolve: (_root, { id }, context) => cancelTask(context.deps, context.actor, String(id)),
  }),
);

builder.queryField("task", (t) =>
  t.withAuth({ customer: true }).field({
    description: "One of your tasks; null if there is none with this id.",
    type: TaskRef,
    nullable: true,
    args: { id: t.arg.id({ description: "Task id (tsk_…).", required: true }) },
    resolve: (_root, { id }, context) =>
      nullIfNotFound(getTask(context.deps, context.actor, String(id))),
  }),
);

builder.queryField("batch", (t) =>
  t.withAuth({ customer: true }).field({
    description: "One of your batches; null if there is none with this id.",
    type: BatchRef,
    nullable: true,
    args: { id: t.arg.id({ description: "Batch id (bat_…).", required: true }) },
    resolve: (_root, { id }, context) =>
      nullIfNotFound(getBatch(context.deps, context.actor, String(id))),
  }),
);

builder.queryField("tasks", (t) =>
  t.withAuth({ customer: true }).prismaConnection({
    description: "Your tasks, filtered, a page at a time (at most 100).",
    type: "Task",
    cursor: "id",
    defaultSize: DEFAULT_PAGE_SIZE,
    maxSize: cappedPageSize,
    args: {
      status: t.arg({ description: "Only tasks in this status.", type: TaskStatus }),
      type: t.arg({ description: "Only tasks of this type.", type: TaskType }),
      batchId: t.arg.id({ description: "Only this batch's tasks." }),
      jobId: t.arg.id({ description: "Only this job's tasks." }),
      projectId: t.arg.id({ description: "Only this project's tasks." }),
      orderBy: t.arg({ description: "Newest (default) or oldest first.", type: TaskOrder, defaultValue: "newest_first" }),
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
          projectId: args.projectId ? String(args.projectId) : undefined,
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
    args: { taskId: t.arg.id({ description: "Task id (tsk_…).", required: true }) },
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
      resolve: (update) => update.task(),
    }),
    batch: t.withAuth({ customer: true }).field({
      type: BatchRef,
      nullable: true,
      description: "The task's batch, read when the update is sent (its counts include this change); null for a task outside any batch.",
      resolve: (update) => update.batch(),
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
