import { createProject, getProject, listProjects, projectTaskCounts, updateProject } from "../domain/projects/index.js";
import { builder } from "./builder.js";
import { RESULT_OR_APP_ERROR } from "./errors.js";
import { cappedPageSize, DEFAULT_PAGE_SIZE } from "./pagination.js";
import { BatchCounts, TaskType } from "./tasks.js";
import { withoutNulls } from "./input.js";
import { listSuspensions, projectSkills } from "../domain/workforce/index.js";
import { projectSkillView, suspensionView } from "../domain/representations/index.js";
import type { CustomerActor } from "../domain/shared/index.js";

builder.prismaObject("Project", {
  description: "A labeling project: settings, instructions and examples its tasks inherit.",
  fields: (t) => ({
    id: t.exposeID("id", { description: "Project id (prj_…), the same as in REST." }),
    name: t.exposeString("name", { description: "Its name." }),
    type: t.field({ type: TaskType, description: "Its tasks' type.", resolve: (project) => project.type as never }),
    labelSpec: t.expose("labelSpec", { type: "JSON", description: "Its tasks' label_spec." }),
    instructions: t.exposeString("instructions", { description: "Markdown for annotators." }),
    examples: t.expose("examples", { type: "JSON", description: "Worked examples: [{data?, dataUrl?, answer, explanation?}]." }),
    replication: t.exposeInt("replication", { nullable: true, description: "Judgments per task, unless a task says." }),
    minConfidence: t.exposeFloat("minConfidence", { nullable: true, description: "Extra judgments below this confidence, unless a task says." }),
    priority: t.exposeInt("priority", { nullable: true, description: "0–10, unless a task says." }),
    workTeamId: t.exposeString("workTeamId", { nullable: true, description: "The work team that labels it; null: the shared pool." }),
    qualityRules: t.expose("qualityRules", { type: "JSON", nullable: true, description: "Automatic quality rules: {gold_accuracy?: {min, over_last}, fast_answers?: {seconds, in_a_row}, skips?: {max, over_last, pause_minutes}}." }),
    qualification: t.expose("qualification", { type: "JSON", nullable: true, description: "Gold tasks answered first: {gold_items, pass_mark, retry_after_hours?}." }),
    goldRate: t.exposeFloat("goldRate", { nullable: true, description: "The share of an annotator's claims on it that are its gold tasks; null: gold is offered by priority." }),
    suspensions: t.field({
      type: "JSON",
      description: "Annotators kept off it, as GET /v1/projects/{id}/suspensions lists them.",
      resolve: async (project, _args, context) => (await listSuspensions(context.deps, context.actor as CustomerActor, project.id)).map(suspensionView),
    }),
    annotators: t.field({
      type: "JSON",
      description: "Each annotator's skill on it (judgments, agreement, gold accuracy, standing), as GET /v1/projects/{id}/annotators lists them.",
      resolve: async (project, _args, context) => (await projectSkills(context.deps, context.actor as CustomerActor, project.id)).map(projectSkillView),
    }),
    archived: t.boolean({ description: "Archived projects take no new tasks.", resolve: (project) => project.archivedAt !== null }),
    counts: t.field({ type: BatchCounts, description: "Its tasks by status.", resolve: (project, _args, { deps }) => projectTaskCounts(deps, project.id) }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When it was created." }),
  }),
});

const ProjectInput = builder.inputType("ProjectInput", {
  description: "A project's settings (POST /v1/projects's body, in camelCase); in an update, only what changes.",
  fields: (t) => ({
    name: t.string({ description: "Its name." }),
    type: t.field({ type: TaskType, description: "Its tasks' type." }),
    labelSpec: t.field({ type: "JSON", description: "Its tasks' label_spec." }),
    instructions: t.string({ description: "Markdown for annotators (up to 20,000 characters)." }),
    examples: t.field({ type: "JSON", description: "Up to 20 worked examples: [{data?, dataUrl?, answer, explanation?}]." }),
    replication: t.int({ description: "Judgments per task." }),
    minConfidence: t.float({ description: "Extra judgments below this confidence." }),
    priority: t.int({ description: "0–10." }),
    archived: t.boolean({ description: "Update only: archive (true) or restore (false)." }),
    workTeamId: t.id({ description: "The work team that labels it (wtm_…)." }),
    sharedPool: t.boolean({ description: "Update only: true returns it to the shared pool (no work team)." }),
    qualityRules: t.field({ type: "JSON", description: "Automatic quality rules: {gold_accuracy?: {min, over_last}, fast_answers?: {seconds, in_a_row}, skips?: {max, over_last, pause_minutes}}." }),
    qualification: t.field({ type: "JSON", description: "Gold tasks answered first: {gold_items, pass_mark, retry_after_hours?}." }),
    goldRate: t.float({ description: "The share (0–1) of an annotator's claims that are gold tasks." }),
  }),
});

builder.queryField("projects", (t) =>
  t.withAuth({ customer: true }).prismaConnection({
    type: "Project",
    cursor: "id",
    defaultSize: DEFAULT_PAGE_SIZE,
    maxSize: cappedPageSize,
    description: "Your projects, newest first.",
    resolve: (query, _root, _args, context) => listProjects(context.deps, context.actor, query),
  }),
);

builder.queryField("project", (t) =>
  t.withAuth({ customer: true }).prismaField({
    type: "Project",
    nullable: true,
    description: "One of your projects.",
    args: { id: t.arg.id({ required: true, description: "Project id (prj_…)." }) },
    resolve: (_query, _root, args, context) => getProject(context.deps, context.actor, String(args.id)).catch(() => null),
  }),
);

builder.mutationField("createProject", (t) =>
  t.withAuth({ customer: true }).prismaField({
    type: "Project",
    description: "Creates a project.",
    errors: RESULT_OR_APP_ERROR,
    args: { input: t.arg({ type: ProjectInput, required: true, description: "Its settings." }) },
    resolve: (_query, _root, { input }, context) => {
      const { sharedPool: _sharedPool, ...settings } = withoutNulls(input);
      return createProject(context.deps, context.actor, settings);
    },
  }),
);

builder.mutationField("updateProject", (t) =>
  t.withAuth({ customer: true }).prismaField({
    type: "Project",
    description: "Changes a project; the changes apply to tasks submitted from now on.",
    errors: RESULT_OR_APP_ERROR,
    args: { id: t.arg.id({ required: true, description: "Project id (prj_…)." }), input: t.arg({ type: ProjectInput, required: true, description: "What changes." }) },
    resolve: (_query, _root, { id, input }, context) => {
      const { sharedPool, ...change } = withoutNulls(input);
      return updateProject(context.deps, context.actor, String(id), sharedPool ? { ...change, workTeamId: null } : change);
    },
  }),
);
