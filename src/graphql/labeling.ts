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
import type { Annotator, Assignment, Project, Task } from "../generated/prisma/client.js";
import { renderInstructions } from "../domain/projects/index.js";
import { isQualifying } from "../domain/workforce/index.js";
import { builder } from "./builder.js";
import { RESULT_OR_APP_ERROR } from "./errors.js";
import { TaskStatus, TaskType } from "./tasks.js";
import type { TaskStatus as TaskStatusValue, TaskType as TaskTypeValue } from "../domain/tasks/index.js";

/** What an annotator sees of a task: the data and the question, nothing about the customer or gold. */
const ProjectBrief = builder.objectRef<Project>("ProjectBrief").implement({
  description: "What an annotator reads of a task's project.",
  fields: (t) => ({
    name: t.exposeString("name", { description: "The project's name." }),
    instructionsHtml: t.string({ description: "The instructions, rendered from Markdown (no scripts, no raw HTML).", resolve: (project) => renderInstructions(project.instructions) }),
    examples: t.expose("examples", { type: "JSON", description: "Worked examples with their correct answers: [{data?, dataUrl?, answer, explanation?}]." }),
  }),
});

const WorkItem = builder.objectRef<Task>("WorkItem").implement({
  description: "What an annotator sees of a task: the item and the question, nothing about the customer or a gold answer (though a task offered for qualification is one of its project's gold tasks).",
  fields: (t) => ({
    taskId: t.exposeID("id", { description: "Task id (tsk_…)." }),
    type: t.field({ type: TaskType, description: "The kind of labeling asked for.", resolve: (task) => task.type as TaskTypeValue }),
    dataUrl: t.exposeString("dataUrl", { nullable: true, description: "URL of the image or text to label." }),
    data: t.exposeString("data", { nullable: true, description: "Inline text to label." }),
    labelSpec: t.expose("labelSpec", { type: "JSON", description: "The question, options or classes." }),
    project: t.field({
      type: ProjectBrief,
      nullable: true,
      description: "The project's instructions and worked examples, when the task belongs to one.",
      resolve: (task, _args, { deps }) => (task.projectId ? deps.prisma.project.findUnique({ where: { id: task.projectId } }) : null),
    }),
    qualifying: t.boolean({
      description: "Whether this task is part of your qualification for its project: your answers to the first ones decide whether you may label the rest.",
      resolve: (task, _args, { deps, actor }) => (actor?.kind === "annotator" ? isQualifying(deps, task.projectId, actor.annotatorId) : false),
    }),
  }),
});

const AssignmentStatus = builder.enumType("AssignmentStatus", {
  description: "Where an annotator's claim on a task is.",
  values: {
    ACTIVE: { value: "active", description: "Claimed and leased: the annotator may answer." },
    SUBMITTED: { value: "submitted", description: "Answered with a judgment." },
    PROBLEM: { value: "problem", description: "Answered with a problem report." },
    SKIPPED: { value: "skipped", description: "Handed back by the annotator (releaseAssignment) without an answer." },
    RELEASED: { value: "released", description: "Taken back without an answer: its task ended, or the annotator was suspended or slowed." },
    EXPIRED: { value: "expired", description: "The lease ran out without an answer." },
  } as const,
});

const AssignmentRef = builder.objectRef<AssignmentWithTask | Assignment>("Assignment").implement({
  description: "A task claimed by an annotator under a lease.",
  fields: (t) => ({
    id: t.exposeID("id", { description: "Assignment id, to answer or release it." }),
    status: t.field({ type: AssignmentStatus, description: "Where the claim is.", resolve: (a) => a.status as (typeof AssignmentStatus)["$inferType"] }),
    leasedUntil: t.expose("leasedUntil", { type: "DateTime", description: "Answer before this, or the task goes back to the queue." }),
    task: t.field({ type: WorkItem, nullable: true, description: "The task to label (on a fresh claim).", resolve: (a) => ("task" in a ? a.task : null) }),
  }),
});

const Reliability = builder.objectRef<ReliabilityValue>("Reliability").implement({
  description: "How reliable an annotator has been, from gold tasks and agreement.",
  fields: (t) => ({
    goldTotal: t.exposeInt("goldTotal", { description: "Gold tasks judged." }),
    goldCorrect: t.exposeInt("goldCorrect", { description: "Gold tasks judged right." }),
    goldAccuracy: t.exposeFloat("goldAccuracy", { nullable: true, description: "goldCorrect / goldTotal; null without gold." }),
    judgments: t.exposeInt("judgments", { description: "Judgments on completed tasks." }),
    agreement: t.exposeFloat("agreement", { nullable: true, description: "Share of those equal to the task's result." }),
    quality: t.exposeFloat("quality", { description: "Smoothed gold accuracy, (1.5 + correct) / (2 + total): the weight of their votes." }),
  }),
});

const AnnotatorKind = builder.enumType("AnnotatorKind", {
  description: "Who an annotator is.",
  values: {
    HUMAN: { value: "human", description: "A person, labeling live customers' tasks." },
    SIMULATED: { value: "simulated", description: "A member of the sandbox crowd, labeling sandbox tasks." },
  } as const,
});

const AnnotatorRef = builder.objectRef<Annotator>("Annotator").implement({
  description: "Someone (or, in the sandbox, something) that labels tasks.",
  fields: (t) => ({
    id: t.exposeID("id", { description: "Annotator id (ann_…)." }),
    name: t.exposeString("name", { description: "Display name." }),
    kind: t.field({ type: AnnotatorKind, description: "Human or simulated.", resolve: (a) => a.kind as (typeof AnnotatorKind)["$inferType"] }),
    tokenPrefix: t.exposeString("tokenPrefix", { description: "The start of their token, to recognise it." }),
    reliability: t.field({ type: Reliability, description: "Their track record.", resolve: (a) => reliabilityOf(a) }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When they were created." }),
  }),
});

const JudgmentResult = builder.objectRef<{ judgmentId: string | null; taskStatus: TaskStatusValue }>("JudgmentResult").implement({
  description: "What an answer did.",
  fields: (t) => ({
    judgmentId: t.exposeID("judgmentId", { nullable: true, description: "The judgment recorded; null for a problem report." }),
    taskStatus: t.field({ type: TaskStatus, description: "The task's status afterwards (COMPLETED when this answer completed it).", resolve: (r) => r.taskStatus }),
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
    args: { types: t.arg({ description: "Only tasks of these types (default: any).", type: [TaskType] }) },
    resolve: (_root, { types }, context) => claimNextAssignment(context.deps, context.actor, types ?? undefined),
  }),
);

builder.mutationField("submitJudgment", (t) =>
  t.withAuth({ annotator: true }).field({
    description: "Answers an assignment; the task completes once enough judgments agree.",
    type: JudgmentResult,
    errors: RESULT_OR_APP_ERROR,
    args: { assignmentId: t.arg.id({ description: "The assignment (from nextAssignment).", required: true }), answer: t.arg({ description: "The answer, in the task type's shape (e.g. {label: \"cat\"}).", type: "JSON", required: true }) },
    resolve: async (_root, { assignmentId, answer }, context) => {
      const outcome = await submitJudgment(context.deps, context.actor, String(assignmentId), answer);
      context.deps.metrics.judgment(context.actor.workforce, outcome.task.status);
      return { judgmentId: outcome.judgment.id, taskStatus: outcome.task.status as TaskStatusValue };
    },
  }),
);

builder.mutationField("reportProblem", (t) =>
  t.withAuth({ annotator: true }).field({
    type: JudgmentResult,
    description: "The item cannot be labeled (broken image, wrong language…); the task fails when half its judgments are such reports.",
    errors: RESULT_OR_APP_ERROR,
    args: { assignmentId: t.arg.id({ description: "The assignment.", required: true }), reason: t.arg.string({ description: "What is wrong with the item (up to 500 characters).", required: true }) },
    resolve: async (_root, { assignmentId, reason }, context) => {
      const task = await reportProblem(context.deps, context.actor, String(assignmentId), reason);
      return { judgmentId: null, taskStatus: task.status as TaskStatusValue };
    },
  }),
);

builder.mutationField("releaseAssignment", (t) =>
  t.withAuth({ annotator: true }).field({
    description: "Hands an assignment back at once, for another annotator to take.",
    type: AssignmentRef,
    errors: RESULT_OR_APP_ERROR,
    args: { assignmentId: t.arg.id({ description: "The assignment.", required: true }) },
    resolve: (_root, { assignmentId }, context) => releaseAssignment(context.deps, context.actor, String(assignmentId)),
  }),
);

const AnnotatorCreated = builder.objectRef<{ annotator: Annotator; token: string }>("AnnotatorCreated").implement({
  description: "A new annotator and their token.",
  fields: (t) => ({
    annotator: t.field({ type: AnnotatorRef, description: "The annotator.", resolve: (c) => c.annotator }),
    token: t.exposeString("token", { description: "Shown once: give it to the annotator." }),
  }),
});

builder.mutationField("createAnnotator", (t) =>
  t.withAuth({ admin: true }).field({
    description: "Operators only: creates an annotator and returns their token, shown once.",
    type: AnnotatorCreated,
    errors: RESULT_OR_APP_ERROR,
    args: { name: t.arg.string({ description: "Display name.", required: true }) },
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


