// Batch jobs: create from an S3 (or HTTPS) manifest, read, list, cancel, follow.
import { cancelJob, createJob, followJob, getJob, listJobs } from "../domain/jobs/index.js";
import { jobView } from "../domain/representations/index.js";
import { jobTaskCounts, rankPreferences } from "../domain/tasks/index.js";
import { builder } from "./builder.js";
import { nullIfNotFound, RESULT_OR_APP_ERROR } from "./errors.js";
import { withoutNulls } from "./input.js";
import { cappedPageSize, DEFAULT_PAGE_SIZE } from "./pagination.js";
import { BatchCounts, PreferenceRankingRef, TaskType } from "./tasks.js";

const JobStatus = builder.enumType("JobStatus", {
  description: "QUEUED → INGESTING → LABELING → COMPLETED | FAILED | CANCELED.",
  values: {
    QUEUED: { description: "Waiting for a worker to read the manifest." },
    INGESTING: { description: "The manifest is being read and its lines turned into tasks." },
    LABELING: { description: "Every line is a task; they are being labeled." },
    COMPLETED: { description: "Every task has ended: the export is ready." },
    FAILED: { description: "Stopped: see failureCode and failureReason." },
    CANCELED: { description: "Canceled by you; open tasks were canceled and refunded." },
  } as const,
});

const LineError = builder.objectRef<{ line: number; reason: string }>("JobLineError").implement({
  description: "A manifest line that could not become a task.",
  fields: (t) => ({
    line: t.exposeInt("line", { description: "Its line number, from 1." }),
    reason: t.exposeString("reason", { description: "Why (bad JSON, unknown shape, too long…)." }),
  }),
});

const JobRef = builder.prismaObject("Job", {
  description: "A batch job: tasks from a JSONL manifest in S3 (or at an HTTPS URL).",
  fields: (t) => ({
    id: t.exposeID("id", { description: "Job id (job_…), the same as in REST." }),
    status: t.field({ description: "Where the job is.", type: JobStatus, resolve: (job) => job.status.toUpperCase() as (typeof JobStatus)["$inferType"] }),
    manifestUrl: t.exposeString("manifestUrl", { description: "The manifest it reads." }),
    totalLines: t.exposeInt("totalLines", { description: "Lines in the manifest (0 until counted)." }),
    tasksCreated: t.exposeInt("tasksCreated", { description: "Tasks created so far." }),
    invalidLines: t.exposeInt("invalidLines", { description: "Lines that could not become tasks." }),
    lineErrors: t.field({ description: "The first 100 of those, with line numbers.", type: [LineError], resolve: (job) => job.lineErrors as { line: number; reason: string }[] }),
    counts: t.field({ type: BatchCounts, description: "The job's tasks by status.", resolve: (job, _args, { deps }) => jobTaskCounts(deps.prisma, job.id) }),
    ranking: t.field({
      description: "Its pairwise_preference tasks' responses ranked by Bradley–Terry (GET /v1/jobs/{id}/ranking).",
      type: PreferenceRankingRef,
      resolve: (job, _args, { deps }) => rankPreferences(deps, job, { jobId: job.id }),
    }),
    progress: t.float({
      description: "Share of the valid lines whose tasks have ended, 0..1.",
      resolve: async (job, _args, { deps }) => jobView(job, await jobTaskCounts(deps.prisma, job.id)).progress,
    }),
    failureCode: t.exposeString("failureCode", { description: "Why it failed, as a stable code (s3_access_denied, manifest_not_found, quota_exceeded…).", nullable: true }),
    failureReason: t.exposeString("failureReason", { description: "Why it failed, for people.", nullable: true }),
    createdAt: t.expose("createdAt", { description: "When it was created.", type: "DateTime" }),
    completedAt: t.expose("completedAt", { description: "When it ended; null before.", type: "DateTime", nullable: true }),
  }),
});

const S3CredentialsInput = builder.inputType("S3CredentialsInput", {
  description: "Credentials to read the manifest with; stored encrypted only while the job reads it, never returned.",
  fields: (t) => ({
    accessKeyId: t.string({ description: "AWS access key id.", required: true }),
    secretAccessKey: t.string({ description: "AWS secret access key.", required: true }),
    sessionToken: t.string({ description: "For temporary credentials." }),
    region: t.string({ description: "Default us-east-1" }),
  }),
});

const CreateJobInput = builder.inputType("CreateJobInput", {
  description: "A batch job: the REST reference's POST /v1/jobs body, in camelCase.",
  fields: (t) => ({
    manifestUrl: t.string({ required: true, description: "s3://bucket/key, or an http(s) URL of the JSONL manifest" }),
    labelSpec: t.field({ description: "The labelSpec of every task (as for submitTask).", type: "JSON", required: true }),
    s3Credentials: t.field({ type: S3CredentialsInput, description: "Used to fetch the manifest (SigV4); never returned" }),
    type: t.field({ type: TaskType, description: "Default: from labelSpec and each line's data" }),
    replication: t.int({ description: "Judgments per task." }),
    priority: t.int({ description: "0–10, for every task." }),
    callbackUrl: t.string({ description: "Receives the job's and its tasks' events." }),
  }),
});

builder.mutationField("createJob", (t) =>
  t.withAuth({ customer: true }).field({
    description: "Creates a job; a worker reads the manifest and creates one task per valid line.",
    type: JobRef,
    errors: RESULT_OR_APP_ERROR,
    args: { input: t.arg({ description: "The job.", type: CreateJobInput, required: true }) },
    resolve: (_root, { input }, context) => {
      const { s3Credentials, ...rest } = withoutNulls(input);
      return createJob(context.deps, context.actor, { ...rest, ...(s3Credentials ? { s3Credentials: withoutNulls(s3Credentials) } : {}) });
    },
  }),
);

builder.mutationField("cancelJob", (t) =>
  t.withAuth({ customer: true }).field({
    description: "Cancels a job: stops ingestion, cancels its open tasks and refunds their labels.",
    type: JobRef,
    errors: RESULT_OR_APP_ERROR,
    args: { id: t.arg.id({ description: "Job id (job_…).", required: true }) },
    resolve: (_root, { id }, context) => cancelJob(context.deps, context.actor, String(id)),
  }),
);

builder.queryField("job", (t) =>
  t.withAuth({ customer: true }).field({
    description: "One of your jobs; null if there is none with this id.",
    type: JobRef,
    nullable: true,
    args: { id: t.arg.id({ description: "Job id (job_…).", required: true }) },
    resolve: (_root, { id }, context) => nullIfNotFound(getJob(context.deps, context.actor, String(id))),
  }),
);

builder.queryField("jobs", (t) =>
  t.withAuth({ customer: true }).prismaConnection({
    type: "Job",
    cursor: "id",
    defaultSize: DEFAULT_PAGE_SIZE,
    maxSize: cappedPageSize,
    description: "Your jobs, newest first.",
    resolve: (query, _root, _args, context) => listJobs(context.deps, context.actor, query),
  }),
);

builder.subscriptionField("jobProgress", (t) =>
  t.withAuth({ customer: true }).field({
    type: JobRef,
    description: "The job now, then after every change (at most a few per second); completes when the job has ended.",
    args: { jobId: t.arg.id({ description: "Job id (job_…).", required: true }) },
    subscribe: (_root, { jobId }, context) => followJob(context.deps, context.actor, String(jobId)),
    resolve: (update) => update.job,
  }),
);
