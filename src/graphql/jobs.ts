// Batch jobs: create from an S3 (or HTTPS) manifest, read, list, cancel, follow.
import { cancelJob, createJob, followJob, getJob, listJobs } from "../domain/jobs/index.js";
import { jobView } from "../domain/representations/index.js";
import { jobTaskCounts } from "../domain/tasks/index.js";
import { builder } from "./builder.js";
import { AppError, nullIfNotFound } from "./errors.js";
import { withoutNulls } from "./input.js";
import { cappedPageSize, DEFAULT_PAGE_SIZE } from "./pagination.js";
import { BatchCounts, TaskType } from "./tasks.js";

const JobStatus = builder.enumType("JobStatus", {
  values: ["QUEUED", "INGESTING", "LABELING", "COMPLETED", "FAILED", "CANCELED"] as const,
});

const LineError = builder.objectRef<{ line: number; reason: string }>("JobLineError").implement({
  fields: (t) => ({ line: t.exposeInt("line"), reason: t.exposeString("reason") }),
});

const JobRef = builder.prismaObject("Job", {
  fields: (t) => ({
    id: t.exposeID("id"),
    status: t.field({ type: JobStatus, resolve: (job) => job.status.toUpperCase() as (typeof JobStatus)["$inferType"] }),
    manifestUrl: t.exposeString("manifestUrl"),
    totalLines: t.exposeInt("totalLines"),
    tasksCreated: t.exposeInt("tasksCreated"),
    invalidLines: t.exposeInt("invalidLines"),
    lineErrors: t.field({ type: [LineError], resolve: (job) => job.lineErrors as { line: number; reason: string }[] }),
    counts: t.field({ type: BatchCounts, description: "The job's tasks by status.", resolve: (job, _args, { deps }) => jobTaskCounts(deps.prisma, job.id) }),
    progress: t.float({
      description: "Share of the valid lines whose tasks have ended, 0..1.",
      resolve: async (job, _args, { deps }) => jobView(job, await jobTaskCounts(deps.prisma, job.id)).progress,
    }),
    failureCode: t.exposeString("failureCode", { nullable: true }),
    failureReason: t.exposeString("failureReason", { nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    completedAt: t.expose("completedAt", { type: "DateTime", nullable: true }),
  }),
});

const S3CredentialsInput = builder.inputType("S3CredentialsInput", {
  fields: (t) => ({
    accessKeyId: t.string({ required: true }),
    secretAccessKey: t.string({ required: true }),
    sessionToken: t.string(),
    region: t.string({ description: "Default us-east-1" }),
  }),
});

const CreateJobInput = builder.inputType("CreateJobInput", {
  fields: (t) => ({
    manifestUrl: t.string({ required: true, description: "s3://bucket/key, or an http(s) URL of the JSONL manifest" }),
    labelSpec: t.field({ type: "JSON", required: true }),
    s3Credentials: t.field({ type: S3CredentialsInput, description: "Used to fetch the manifest (SigV4); never returned" }),
    type: t.field({ type: TaskType, description: "Default: from labelSpec and each line's data" }),
    replication: t.int(),
    priority: t.int(),
    callbackUrl: t.string(),
  }),
});

builder.mutationField("createJob", (t) =>
  t.withAuth({ customer: true }).field({
    type: JobRef,
    errors: { types: [AppError] },
    args: { input: t.arg({ type: CreateJobInput, required: true }) },
    resolve: (_root, { input }, context) => {
      const { s3Credentials, ...rest } = withoutNulls(input);
      return createJob(context.deps, context.actor, { ...rest, ...(s3Credentials ? { s3Credentials: withoutNulls(s3Credentials) } : {}) });
    },
  }),
);

builder.mutationField("cancelJob", (t) =>
  t.withAuth({ customer: true }).field({
    type: JobRef,
    errors: { types: [AppError] },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, context) => cancelJob(context.deps, context.actor, String(id)),
  }),
);

builder.queryField("job", (t) =>
  t.withAuth({ customer: true }).field({
    type: JobRef,
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
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
    args: { jobId: t.arg.id({ required: true }) },
    subscribe: (_root, { jobId }, context) => followJob(context.deps, context.actor, String(jobId)),
    resolve: (update) => update.job,
  }),
);
