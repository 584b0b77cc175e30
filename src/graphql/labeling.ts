// The annotator API (claim, judge, release) and the operator's workforce view.
import {
  claimNextAssignment,
  createAnnotator,
  getAnnotator,
  listAnnotators,
  releaseAssignment,
  reliabilityOf,
  reportProblem,
  submitJudgment,
  type AssignmentWithTask,
  type Reliability as ReliabilityValue,
} from "../domain/labeling/index.js";
import type { Annotator, Assignment, Task } from "../generated/prisma/client.js";
import { builder } from "./builder.js";
import { AppError } from "./errors.js";
import { TaskType } from "./tasks.js";

/** What an annotator sees of a task: the data and the question, nothing about the customer or gold. */
const WorkItem = builder.objectRef<Task>("WorkItem").implement({
  fields: (t) => ({
    taskId: t.exposeID("id"),
    type: t.exposeString("type"),
    dataUrl: t.exposeString("dataUrl", { nullable: true }),
    data: t.exposeString("data", { nullable: true }),
    labelSpec: t.expose("labelSpec", { type: "JSON" }),
  }),
});

const AssignmentRef = builder.objectRef<AssignmentWithTask | Assignment>("Assignment").implement({
  fields: (t) => ({
    id: t.exposeID("id"),
    status: t.exposeString("status"),
    leasedUntil: t.expose("leasedUntil", { type: "DateTime" }),
    task: t.field({ type: WorkItem, nullable: true, resolve: (a) => ("task" in a ? a.task : null) }),
  }),
});

const Reliability = builder.objectRef<ReliabilityValue>("Reliability").implement({
  fields: (t) => ({
    goldTotal: t.exposeInt("goldTotal"),
    goldCorrect: t.exposeInt("goldCorrect"),
    goldAccuracy: t.exposeFloat("goldAccuracy", { nullable: true }),
    judgments: t.exposeInt("judgments"),
    agreement: t.exposeFloat("agreement", { nullable: true }),
    quality: t.exposeFloat("quality"),
  }),
});

const AnnotatorRef = builder.objectRef<Annotator>("Annotator").implement({
  fields: (t) => ({
    id: t.exposeID("id"),
    name: t.exposeString("name"),
    kind: t.exposeString("kind"),
    tokenPrefix: t.exposeString("tokenPrefix"),
    reliability: t.field({ type: Reliability, resolve: (a) => reliabilityOf(a) }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
  }),
});

const JudgmentResult = builder.objectRef<{ judgmentId: string | null; taskStatus: string }>("JudgmentResult").implement({
  fields: (t) => ({
    judgmentId: t.exposeID("judgmentId", { nullable: true }),
    taskStatus: t.exposeString("taskStatus"),
  }),
});

builder.queryField("currentAnnotator", (t) =>
  t.withAuth({ annotator: true }).field({
    type: AnnotatorRef,
    description: "The signed-in annotator.",
    resolve: (_root, _args, context) => getAnnotator(context.deps, context.actor),
  }),
);

builder.mutationField("nextAssignment", (t) =>
  t.withAuth({ annotator: true }).field({
    type: AssignmentRef,
    nullable: true,
    description: "Claims the next task under a 10-minute lease; null when the queue is empty.",
    args: { types: t.arg({ type: [TaskType] }) },
    resolve: (_root, { types }, context) => claimNextAssignment(context.deps, context.actor, types ?? undefined),
  }),
);

builder.mutationField("submitJudgment", (t) =>
  t.withAuth({ annotator: true }).field({
    type: JudgmentResult,
    errors: { types: [AppError] },
    args: { assignmentId: t.arg.id({ required: true }), answer: t.arg({ type: "JSON", required: true }) },
    resolve: async (_root, { assignmentId, answer }, context) => {
      const outcome = await submitJudgment(context.deps, context.actor, String(assignmentId), answer);
      context.deps.metrics.judgment(context.actor.workforce, outcome.task.status);
      return { judgmentId: outcome.judgment.id, taskStatus: outcome.task.status };
    },
  }),
);

builder.mutationField("reportProblem", (t) =>
  t.withAuth({ annotator: true }).field({
    type: JudgmentResult,
    description: "The item cannot be labeled (broken image, wrong language…); the task fails when half its judgments are such reports.",
    errors: { types: [AppError] },
    args: { assignmentId: t.arg.id({ required: true }), reason: t.arg.string({ required: true }) },
    resolve: async (_root, { assignmentId, reason }, context) => {
      const task = await reportProblem(context.deps, context.actor, String(assignmentId), reason);
      return { judgmentId: null, taskStatus: task.status };
    },
  }),
);

builder.mutationField("releaseAssignment", (t) =>
  t.withAuth({ annotator: true }).field({
    type: AssignmentRef,
    errors: { types: [AppError] },
    args: { assignmentId: t.arg.id({ required: true }) },
    resolve: (_root, { assignmentId }, context) => releaseAssignment(context.deps, context.actor, String(assignmentId)),
  }),
);

const AnnotatorCreated = builder.objectRef<{ annotator: Annotator; token: string }>("AnnotatorCreated").implement({
  fields: (t) => ({
    annotator: t.field({ type: AnnotatorRef, resolve: (c) => c.annotator }),
    token: t.exposeString("token", { description: "Shown once: give it to the annotator." }),
  }),
});

builder.mutationField("createAnnotator", (t) =>
  t.withAuth({ admin: true }).field({
    type: AnnotatorCreated,
    errors: { types: [AppError] },
    args: { name: t.arg.string({ required: true }) },
    resolve: (_root, { name }, context) => createAnnotator(context.deps, context.actor, { name }),
  }),
);

builder.queryField("annotators", (t) =>
  t.withAuth({ admin: true }).field({
    type: [AnnotatorRef],
    description: "Every annotator with their reliability (operators only).",
    resolve: (_root, _args, context) => listAnnotators(context.deps, context.actor),
  }),
);


