// The OpenAPI 3.1 document of /v1, served at /v1/openapi.json and rendered at
// /docs. Request bodies and parameters come from the zod schemas the REST
// layer validates with (domain schemas with their documented snake_case
// names); responses describe what `representations` build, and a test checks
// real responses of every operation against them.
import { z } from "zod";
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject } from "zod-openapi";
import {
  acceptanceSchema,
  invitationSchema,
  newKeySchema,
  PERMISSIONS,
  registrationSchema,
  roleChangeSchema,
  signInSchema,
  type Permission,
} from "../domain/accounts/index.js";
import { KEY_SCOPES, ROLES } from "../domain/shared/index.js";
import { AUDIT_ACTIONS } from "../domain/audit/index.js";
import { projectChangeSchema, projectInputSchema } from "../domain/projects/index.js";
import { joinSchema, MEMBER_STATUSES, memberReasonSchema, qualificationSchema, qualityRulesSchema, workTeamNameSchema } from "../domain/workforce/index.js";
import { monthSchema } from "../domain/billing/index.js";
import { tablePageSchema } from "../domain/dashboard/index.js";
import { jobInputSchema } from "../domain/jobs/index.js";
import { TASK_STATUSES, TASK_TYPES, taskInputSchema } from "../domain/tasks/index.js";
import { ERROR_CODES, type ErrorCode } from "../domain/shared/index.js";
import { EVENT_TYPES, FEED_MAX_LIMIT, webhookInputSchema } from "../domain/webhooks/index.js";
import { EXPORT_FORMAT_NAMES, exportFilterSchema } from "../domain/exports/index.js";
import { withRestKeys } from "./field-names.js";
import { pageSchema } from "./listing.js";
import { filterSchema } from "./tasks.js";

const timestamp = z.iso.datetime().meta({ description: "ISO 8601, UTC." });
const nullableTimestamp = timestamp.nullable();
const taskStatus = z.enum(TASK_STATUSES);
const taskType = z.enum(TASK_TYPES);
const environment = z.enum(["sandbox", "live"]);

const ErrorBody = z
  .object({
    error: z
      .object({
        code: z
          .enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]])
          .meta({ id: "ErrorCode", description: "Stable and machine-readable; what each means and what to do: docs/errors.md." }),
        message: z.string().meta({ description: "What went wrong, for people." }),
        request_id: z.string().meta({ description: "Also in the X-Request-Id header; quote it when asking for help." }),
      })
      .catchall(z.unknown())
      .meta({ description: "Further details depend on the code: errors [{path, message}], reason, requested/remaining…" }),
  })
  .meta({ id: "Error", description: "Every 4xx and 5xx answer of /v1." });

const StatusCounts = z
  .object({ pending: z.int(), in_progress: z.int(), completed: z.int(), failed: z.int(), canceled: z.int() })
  .meta({ id: "StatusCounts", description: "Tasks by status." });

const Quota = z
  .object({ label_quota: z.int(), labels_used: z.int(), labels_remaining: z.int() })
  .meta({ id: "Quota", description: "The label quota of the calling key's environment." });

const Registration = z
  .object({ customer_id: z.string(), api_key: z.string().optional(), tier: environment, label_quota: z.int(), message: z.string() })
  .meta({ id: "Registration", description: "A new account; api_key is shown once (absent from an Idempotency-Key replay)." });

const Profile = z
  .object({
    customer_id: z.string(),
    name: z.string(),
    email: z.string(),
    tier: environment,
    environment,
    label_quota: z.int(),
    labels_used: z.int(),
    labels_remaining: z.int(),
    api_key_prefix: z.string().nullable(),
    callback_secret: z.string(),
    created_at: timestamp,
  })
  .meta({ id: "Profile" });

const ApiKey = z
  .object({
    key_id: z.string(),
    prefix: z.string(),
    environment,
    scope: z.enum(KEY_SCOPES).meta({ description: "full: everything an owner may do; read_only: every read." }),
    created_at: timestamp,
    last_used_at: nullableTimestamp,
    revoked_at: nullableTimestamp,
  })
  .meta({ id: "ApiKey", description: "One of your keys; never the key itself." });
const CreatedApiKey = ApiKey.extend({ api_key: z.string().optional(), message: z.string() }).meta({
  id: "CreatedApiKey",
  description: "A new key; api_key is shown once (absent from an Idempotency-Key replay).",
});

const ProjectSchema = z
  .object({
    project_id: z.string(),
    name: z.string(),
    task_type: taskType,
    label_spec: z.record(z.string(), z.unknown()),
    instructions: z.string().meta({ description: "Markdown, shown to annotators (rendered without scripts or raw HTML)." }),
    examples: z.array(z.object({ data: z.string().optional(), data_url: z.string().optional(), answer: z.unknown(), explanation: z.string().optional() })),
    replication: z.int().nullable(),
    min_confidence: z.number().nullable(),
    priority: z.int().nullable(),
    work_team_id: z.string().nullable().meta({ description: "The work team that labels it; null: the shared pool." }),
    quality_rules: qualityRulesSchema.nullable().meta({ description: "Automatic quality rules: breaking one suspends an annotator from the project (skips: slows it down for a pause)." }),
    qualification: qualificationSchema.nullable().meta({ description: "Gold tasks an annotator answers first, and the pass mark that lets it label the rest." }),
    gold_rate: z.number().nullable().meta({ description: "The share of an annotator's claims on the project that are its gold tasks (drawn at random, so gold cannot be told by its place); null: gold is offered by priority like any task." }),
    environment,
    archived: z.boolean(),
    created_at: timestamp,
    updated_at: timestamp,
    counts: StatusCounts.optional(),
  })
  .meta({ id: "Project", description: "A labeling project: settings, instructions and examples its tasks inherit." });

const TeamMemberSchema = z
  .object({
    annotator_id: z.string(),
    name: z.string(),
    status: z.enum(MEMBER_STATUSES),
    reason: z.string().nullable().meta({ description: "Why it was suspended or removed." }),
    joined_at: timestamp,
    gold_answered: z.int(),
    gold_accuracy: z.number().nullable(),
    judgments: z.int(),
    agreement: z.number().nullable().meta({ description: "Share of its judgments that agreed with the result." }),
  })
  .meta({ id: "WorkTeamMember" });
const WorkTeamSchema = z
  .object({ team_id: z.string(), name: z.string(), environment, created_at: timestamp, members: z.array(TeamMemberSchema).optional() })
  .meta({ id: "WorkTeam", description: "A team of the customer's own annotators; a project assigned to it is labeled only by its active members." });
const MembershipSchema = z
  .object({ team_id: z.string(), annotator_id: z.string(), status: z.enum(MEMBER_STATUSES), reason: z.string().nullable(), released_assignments: z.int() })
  .meta({ id: "WorkTeamMembership" });
const SuspensionSchema = z
  .object({
    project_id: z.string(),
    annotator_id: z.string(),
    name: z.string().optional(),
    reason: z.string(),
    changed_by: z.string().meta({ description: "member, or rule:gold_accuracy / rule:fast_answers / rule:skips." }),
    suspended_at: timestamp,
    until: timestamp.nullable().meta({ description: "The end of a slowdown (rule:skips); null: until lifted." }),
  })
  .meta({ id: "ProjectSuspension", description: "An annotator kept off a project until the suspension is lifted, or a slowdown ends." });
const memberParams = z.object({ id: z.string().meta({ description: "The work team's id." }), annotatorId: z.string().meta({ description: "The annotator's id." }) });

const MemberSchema = z
  .object({
    member_id: z.string(),
    email: z.string(),
    role: z.enum(ROLES),
    status: z.enum(["invited", "active"]),
    invited_by: z.string().nullable().meta({ description: "The key or member who invited them." }),
    created_at: timestamp,
    accepted_at: nullableTimestamp,
  })
  .meta({ id: "Member", description: "A person of your team; never a password or an invitation token (but once, in the invitation)." });
const InvitationSchema = MemberSchema.extend({
  invitation: z.object({ token: z.string(), url: z.string(), expires_at: timestamp }),
  message: z.string(),
}).meta({ id: "Invitation", description: "The invitation's token and link, shown this once." });
const SessionSchema = z
  .object({
    member: MemberSchema,
    customer_id: z.string(),
    environment,
    expires_at: timestamp,
    token: z.string().optional().meta({ description: "A bearer token (an hour); absent when it went into the console's HTTP-only cookie." }),
  })
  .meta({ id: "Session", description: "A member signed in." });

const AcceptedTask = z.object({ task_id: z.string(), status: taskStatus, created_at: timestamp }).meta({ id: "AcceptedTask" });
const AcceptedBatch = z
  .object({
    batch_id: z.string(),
    task_count: z.int(),
    status: z.literal("accepted"),
    duplicate_count: z.int().optional(),
    task_ids: z.array(z.string()).optional().meta({ description: "In input order, for batches of at most 1,000 tasks." }),
  })
  .meta({ id: "AcceptedBatch" });

const RANKING_DESCRIPTION =
  "Bradley–Terry scores of the responses its completed pairwise_preference tasks compared (each task's aggregated choice one game; a tie half a win to each). A response is known by its id, or by its text when it has none.";
const PreferenceRankingSchema = z
  .object({
    comparisons: z.int().meta({ description: "Completed pairwise_preference tasks counted." }),
    items: z.array(
      z.object({
        id: z.string(),
        score: z.number().meta({ description: "Log strength, centred on 0: P(i beats j) = 1 / (1 + e^(score_j − score_i))." }),
        rank: z.int(),
        wins: z.int(),
        losses: z.int(),
        ties: z.int(),
      }),
    ),
  })
  .meta({ id: "PreferenceRanking" });

const Task = z
  .object({
    task_id: z.string(),
    status: taskStatus,
    task_type: taskType,
    data_url: z.string().nullable(),
    data: z
      .union([z.string(), z.object({ prompt: z.string(), responses: z.array(z.object({ id: z.string().optional(), text: z.string() })) })])
      .optional()
      .meta({ description: "Inline text, or a pairwise_preference's prompt and two responses." }),
    label_spec: z.record(z.string(), z.unknown()),
    metadata: z.record(z.string(), z.unknown()).nullable(),
    priority: z.int(),
    replication: z.int(),
    callback_url: z.string().nullable(),
    external_id: z.string().nullable(),
    batch_id: z.string().nullable(),
    project_id: z.string().optional().meta({ description: "Its project, when it has one." }),
    gold: z.boolean(),
    created_at: timestamp,
    updated_at: timestamp,
    completed_at: nullableTimestamp,
    failure_reason: z.string().optional(),
  })
  .meta({ id: "Task" });

const Aggregation = z
  .object({
    method: z.string(),
    votes: z.array(z.object({ annotator_id: z.string(), answer: z.unknown(), reliability: z.number() })),
  })
  .meta({ id: "Aggregation", description: "How the result was reached." });

const TaskResult = z
  .object({
    task_id: z.string(),
    status: taskStatus,
    task_type: taskType,
    judgments: z.int(),
    replication: z.int().optional().meta({ description: "While in progress." }),
    result: z.unknown().optional().meta({ description: "The label once completed; null when failed or canceled." }),
    confidence: z.number().nullable().optional(),
    failure_reason: z.string().optional(),
    completed_at: nullableTimestamp.optional(),
    aggregation: Aggregation.nullable().optional(),
  })
  .meta({ id: "TaskResult" });

const Batch = z
  .object({
    batch_id: z.string(),
    status: z.enum(["pending", "completed"]),
    task_count: z.int(),
    counts: StatusCounts,
    created_at: timestamp,
    completed_at: nullableTimestamp,
  })
  .meta({ id: "Batch" });

const Webhook = z
  .object({
    webhook_id: z.string(),
    callback_url: z.string(),
    events: z.array(z.enum(EVENT_TYPES)),
    status: z.enum(["active", "disabled"]),
    disabled_reason: z.string().nullable(),
    failing_since: nullableTimestamp,
    created_at: timestamp,
    secret: z.string().optional().meta({ description: "Only when the server generated it: shown once." }),
  })
  .meta({ id: "Webhook" });

const FeedEventSchema = z
  .object({
    id: z.string().meta({ description: "evt_…: the same as the webhook delivery's webhook-id header and body id." }),
    type: z.enum(EVENT_TYPES),
    created_at: timestamp,
    data: z.record(z.string(), z.unknown()).meta({ description: "As in the webhook body: what the matching REST endpoint returns." }),
    cursor: z.string().meta({ description: "Pass as `after` to continue after this event." }),
  })
  .meta({ id: "FeedEvent" });

const ExportSchema = z
  .object({
    export_id: z.string().meta({ description: "exp_…" }),
    status: z.enum(["queued", "building", "completed", "failed"]),
    format: z.enum(EXPORT_FORMAT_NAMES),
    filter: z.record(z.string(), z.string()).meta({ description: "The filter as given." }),
    task_count: z.int().meta({ description: "Tasks in the file (once completed)." }),
    skipped: z.record(z.string(), z.int()).meta({ description: "Tasks the filter matched that the format cannot hold, by reason (another type, not completed, no image size)." }),
    bytes: z.int(),
    error: z.string().optional().meta({ description: "Why it failed." }),
    download_url: z.string().nullable().meta({ description: "GET it once completed." }),
    created_at: timestamp,
    completed_at: timestamp.nullable(),
  })
  .meta({ id: "Export" });
const exportFile = (description: string) => ({
  description,
  headers: requestIdHeader,
  content: {
    "application/x-ndjson": { schema: z.record(z.string(), z.unknown()).meta({ description: "jsonl and ground_truth_manifest: one JSON object per line." }) },
    "text/csv": { schema: z.string().meta({ description: "csv" }) },
    "application/json": { schema: z.string().meta({ description: "coco" }) },
    "application/zip": { schema: z.string().meta({ description: "yolo and pascal_voc", format: "binary" }) },
    "text/plain": { schema: z.string().meta({ description: "conll" }) },
  },
});

const jobStatus = z.enum(["queued", "ingesting", "labeling", "completed", "failed", "canceled"]);
const AcceptedJob = z.object({ job_id: z.string(), status: jobStatus, created_at: timestamp }).meta({ id: "AcceptedJob" });
const AuditEventSchema = z
  .object({
    id: z.string().meta({ description: "aud_…" }),
    action: z.enum(AUDIT_ACTIONS),
    actor: z.object({ type: z.enum(["api_key", "member", "operator"]), id: z.string().meta({ description: "The key (key_…), the member (mem_…), or operator." }) }),
    target_id: z.string().nullable().meta({ description: "What was changed (key_…, whk_…, tsk_…, job_…, cust_…, dlv_…)." }),
    details: z.record(z.string(), z.unknown()),
    environment: z.enum(["sandbox", "live", "account"]).meta({ description: "account: a change to the account itself (registration, tier, members), seen by both environments' keys." }),
    request_id: z.string().nullable(),
    client_address: z.string().nullable(),
    created_at: timestamp,
  })
  .meta({ id: "AuditEvent", description: "One change made through the API: who, what, on what, from where, when." });

const Job = z
  .object({
    job_id: z.string(),
    status: jobStatus,
    manifest_url: z.string(),
    counts: z.object({
      total_lines: z.int(),
      tasks_created: z.int(),
      invalid_lines: z.int(),
      completed: z.int(),
      failed: z.int(),
      canceled: z.int(),
    }),
    progress: z.number().min(0).max(1),
    line_errors: z.array(z.object({ line: z.int(), reason: z.string() })),
    failure_code: z.string().optional(),
    failure_reason: z.string().nullable().optional(),
    created_at: timestamp,
    updated_at: timestamp,
    completed_at: nullableTimestamp,
  })
  .meta({ id: "Job" });
const ExportLine = z
  .object({
    label: z.unknown(),
    "label-metadata": z.object({
      "class-name": z.unknown().optional(),
      confidence: z.number().nullable(),
      type: z.string(),
      "job-name": z.string(),
      "human-annotated": z.enum(["yes", "no"]),
      "creation-date": nullableTimestamp,
      status: taskStatus,
      "failure-reason": z.string().optional(),
    }),
    task_id: z.string(),
    judgments: z.int(),
  })
  .catchall(z.unknown())
  .meta({ id: "ExportLine", description: "The manifest line as given, plus the label and label-metadata (Ground Truth's output manifest)." });

const money = z.int().meta({ description: "Minor units of the currency (8 = $0.08)." });
const Usage = z
  .object({
    month: z.string(),
    currency: z.string(),
    total_labels: z.int(),
    total_amount: money,
    by_type: z.array(z.object({ task_type: taskType, labels: z.int(), amount: money })),
    by_day: z.array(z.object({ date: z.string(), labels: z.int(), amount: money })),
    quota: Quota,
  })
  .meta({ id: "Usage" });
const Invoice = z
  .object({
    invoice_id: z.string(),
    period: z.string(),
    period_start: timestamp,
    period_end: timestamp,
    currency: z.string(),
    line_items: z.array(z.object({ task_type: taskType, quantity: z.int(), unit_price: money, amount: money })),
    subtotal: money,
    total: money,
    status: z.enum(["draft", "open"]),
    issued_at: nullableTimestamp,
  })
  .meta({ id: "Invoice" });

const window = z.object({ last_24h: z.int(), last_7d: z.int() });
const Overview = z
  .object({
    counts: StatusCounts,
    submitted: window,
    completed: window,
    turnaround_seconds: z.object({ median: z.number().nullable(), p90: z.number().nullable() }),
    spend_this_month: money,
    currency: z.string(),
    quota: Quota,
    open_jobs: z.int(),
    open_batches: z.int(),
  })
  .meta({ id: "Overview" });
const TaskTable = z
  .object({ items: z.array(Task), page: z.int(), per_page: z.int(), total: z.int(), total_pages: z.int() })
  .meta({ id: "TaskTable" });
const Quality = z
  .object({
    task_types: z.array(
      z.object({
        task_type: taskType,
        completed: z.int(),
        mean_confidence: z.number().nullable(),
        agreement: z.number().nullable(),
        gold_accuracy: z.number().nullable(),
        extra_judgment_share: z.number().nullable(),
        confidence_histogram: z.array(z.int()).length(10),
      }),
    ),
  })
  .meta({ id: "Quality" });
const DailyUsage = z
  .object({ days: z.array(z.object({ date: z.string(), submitted: z.int(), completed: z.int(), spend: money })) })
  .meta({ id: "DailyUsage" });
const Health = z.object({ ok: z.boolean(), service: z.string() }).meta({ id: "Health" });

const page = <T extends z.ZodType>(item: T, id: string) =>
  z
    .object({ data: z.array(item), next_cursor: z.string().nullable().meta({ description: "Pass as cursor for the next page; null on the last." }) })
    .meta({ id });
const list = <T extends z.ZodType>(item: T, id: string) => z.object({ data: z.array(item) }).meta({ id });

// ---- headers, parameters and the answers every operation may give ----

const rateLimitHeaders = {
  RateLimit: { description: 'Remaining requests and seconds to reset, e.g. "sandbox";r=42;t=1 (IETF draft).', schema: { type: "string" } },
  "RateLimit-Policy": { description: 'The policy, e.g. "sandbox";q=50;w=1.', schema: { type: "string" } },
} as const;
const requestIdHeader = { "X-Request-Id": { description: "The request's id (yours, if you sent a valid one).", schema: { type: "string" } } } as const;

const json = (schema: z.ZodType, description: string, headers: object = {}) => ({
  description,
  headers: { ...requestIdHeader, ...headers },
  content: { "application/json": { schema } },
});
const errorAnswer = (description: string, headers: object = {}) => json(ErrorBody, description, headers);

const customerErrors = {
  "401": errorAnswer("No valid API key: the reason is missing, malformed, unknown (or revoked) or wrong_kind.", {
    "WWW-Authenticate": { description: "Bearer", schema: { type: "string" } },
  }),
  "403": errorAnswer("forbidden: your role, or your key's read_only scope, does not allow this (permission and roles_allowed say what would)."),
  "429": errorAnswer("Over the rate limit.", { ...rateLimitHeaders, "Retry-After": { description: "Seconds to wait.", schema: { type: "integer" } } }),
};
const invalid = { "400": errorAnswer("The request is invalid: error.errors lists each field ({path, message}).") };
const notFound = { "404": errorAnswer("No such object of yours.") };
const idempotencyKey = z
  .string()
  .max(255)
  .optional()
  .meta({ description: "Retry-safe: a repeat with the same key and body replays the first answer; another body is 422 idempotency_key_reused." });

const idParam = (what: string) => z.object({ id: z.string().meta({ description: `The ${what}'s id.` }) });
const bearer = [{ apiKey: [] }];

/** An operation of a customer: authenticated, rate limited. */
function customerOperation(operation: ZodOpenApiOperationObject): ZodOpenApiOperationObject {
  const responses = Object.fromEntries(
    Object.entries(operation.responses ?? {}).map(([status, answer]) =>
      status.startsWith("2") ? [status, { ...answer, headers: { ...(answer as { headers?: object }).headers, ...rateLimitHeaders } }] : [status, answer],
    ),
  );
  return { security: bearer, ...operation, responses: { ...customerErrors, ...responses } };
}

const body = (schema: z.ZodType) => ({ required: true, content: { "application/json": { schema } } });

const paths: ZodOpenApiPathsObject = {
  "/v1/health": {
    get: { summary: "Health (no auth)", tags: ["System"], responses: { "200": json(Health, "The service and its database answer."), "503": json(Health, "The database does not answer.") } },
  },
  "/v1/openapi.json": {
    get: {
      summary: "This document (no auth)",
      tags: ["System"],
      responses: {
        "200": json(
          z.object({ openapi: z.literal("3.1.0"), info: z.object({ title: z.string(), version: z.string() }).catchall(z.unknown()), paths: z.record(z.string(), z.unknown()) }).catchall(z.unknown()),
          "The OpenAPI 3.1 document of /v1.",
        ),
      },
    },
  },
  "/v1/customers": {
    post: {
      summary: "Register",
      tags: ["Customers"],
      requestParams: { header: z.object({ "Idempotency-Key": idempotencyKey }) },
      requestBody: body(registrationSchema),
      responses: { "201": json(Registration, "Registered; keep the API key."), ...invalid, "409": errorAnswer("email_taken.") },
    },
  },
  "/v1/customers/me": {
    get: customerOperation({ summary: "Profile", tags: ["Customers"], responses: { "200": json(Profile, "Your account, with the quota of the calling key's environment.") } }),
  },
  "/v1/api-keys": {
    get: customerOperation({ summary: "List API keys", tags: ["Customers"], responses: { "200": json(list(ApiKey, "ApiKeyList"), "Every key, newest first.") } }),
    post: customerOperation({
      summary: "Create an API key",
      tags: ["Customers"],
      requestParams: { header: z.object({ "Idempotency-Key": idempotencyKey }) },
      requestBody: body(newKeySchema),
      responses: {
        "201": json(CreatedApiKey, "The new key, shown once."),
        ...invalid,
        "403": errorAnswer("live_not_enabled: live keys need a live account; live_key_required: a sandbox key cannot create live keys."),
        "409": errorAnswer("too_many_keys."),
      },
    }),
  },
  "/v1/api-keys/{id}": {
    delete: customerOperation({
      summary: "Revoke an API key",
      tags: ["Customers"],
      requestParams: { path: idParam("key") },
      responses: {
        "200": json(ApiKey, "The key, revoked."),
        "403": errorAnswer("live_key_required: a sandbox key cannot revoke live keys."),
        ...notFound,
        "409": errorAnswer("last_active_key."),
      },
    }),
  },
  "/v1/tasks": {
    post: customerOperation({
      summary: "Submit a task",
      tags: ["Tasks"],
      requestParams: { header: z.object({ "Idempotency-Key": idempotencyKey }) },
      requestBody: body(withRestKeys(taskInputSchema)),
      responses: { "202": json(AcceptedTask, "Accepted (or found by external_id)."), ...invalid, "402": errorAnswer("quota_exceeded.") },
    }),
    get: customerOperation({
      summary: "List tasks",
      tags: ["Tasks"],
      requestParams: { query: filterSchema.extend(pageSchema.shape) },
      responses: { "200": json(page(Task, "TaskPage"), "Newest first."), ...invalid },
    }),
  },
  "/v1/tasks/batch": {
    post: customerOperation({
      summary: "Submit a batch",
      tags: ["Tasks"],
      requestParams: { header: z.object({ "Idempotency-Key": idempotencyKey }) },
      requestBody: body(
        z
          .object({
            tasks: z.array(withRestKeys(taskInputSchema)).min(1).max(10_000),
            project_id: z.string().optional().meta({ description: "A project for the tasks that name none." }),
          })
          .strict(),
      ),
      responses: {
        "202": json(AcceptedBatch, "All tasks accepted."),
        ...invalid,
        "402": errorAnswer("quota_exceeded."),
        "413": errorAnswer("batch_too_large (over 10,000 tasks) or payload_too_large."),
      },
    }),
  },
  "/v1/tasks/{id}": {
    get: customerOperation({ summary: "Task status", tags: ["Tasks"], requestParams: { path: idParam("task") }, responses: { "200": json(Task, "The task."), ...notFound } }),
  },
  "/v1/tasks/{id}/result": {
    get: customerOperation({
      summary: "Task result",
      tags: ["Tasks"],
      requestParams: { path: idParam("task") },
      responses: { "200": json(TaskResult, "Final: completed (with result), failed or canceled."), "202": json(TaskResult, "In progress."), ...notFound },
    }),
  },
  "/v1/tasks/{id}/cancel": {
    post: customerOperation({
      summary: "Cancel a task",
      tags: ["Tasks"],
      requestParams: { path: idParam("task") },
      responses: { "200": json(Task, "Canceled; its label returned to the quota."), ...notFound, "409": errorAnswer("task_not_cancelable: it has ended.") },
    }),
  },
  "/v1/batches/{id}": {
    get: customerOperation({ summary: "Batch", tags: ["Tasks"], requestParams: { path: idParam("batch") }, responses: { "200": json(Batch, "The batch and its counts."), ...notFound } }),
  },
  "/v1/batches/{id}/tasks": {
    get: customerOperation({
      summary: "A batch's tasks",
      tags: ["Tasks"],
      requestParams: { path: idParam("batch"), query: pageSchema },
      responses: { "200": json(page(Task, "BatchTaskPage"), "In submission order."), ...invalid, ...notFound },
    }),
  },
  "/v1/batches/{id}/ranking": {
    get: customerOperation({
      summary: "Rank a batch's compared responses",
      description: RANKING_DESCRIPTION,
      tags: ["Tasks"],
      requestParams: { path: idParam("batch") },
      responses: { "200": json(PreferenceRankingSchema, "Strongest first."), ...notFound },
    }),
  },
  "/v1/webhooks": {
    post: customerOperation({
      summary: "Register a webhook",
      tags: ["Webhooks"],
      requestParams: { header: z.object({ "Idempotency-Key": idempotencyKey }) },
      requestBody: body(withRestKeys(webhookInputSchema)),
      responses: { "201": json(Webhook, "Registered."), ...invalid, "409": errorAnswer("too_many_webhooks.") },
    }),
    get: customerOperation({ summary: "List webhooks", tags: ["Webhooks"], responses: { "200": json(list(Webhook, "WebhookList"), "Your webhooks.") } }),
  },
  "/v1/events": {
    get: customerOperation({
      summary: "Event feed",
      description:
        "The calling key's environment's events (those webhooks deliver), oldest first, kept EVENT_RETENTION_DAYS (default 30). Keep `next_cursor` and pass it as `after` to receive each later event exactly once, in order; `has_more` says another page is ready now.",
      tags: ["Webhooks"],
      requestParams: {
        query: z.object({
          after: z.string().optional().meta({ description: "A cursor from this feed: start after that event. Omitted: from the oldest kept." }),
          types: z.string().optional().meta({ description: `Comma-separated event types (${EVENT_TYPES.join(", ")}); default all.` }),
          limit: z.number().int().min(1).max(FEED_MAX_LIMIT).optional().meta({ description: "Default 100." }),
        }),
      },
      responses: {
        "200": json(z.object({ data: z.array(FeedEventSchema), next_cursor: z.string().nullable(), has_more: z.boolean() }).meta({ id: "EventFeedPage" }), "Oldest first."),
        ...invalid,
      },
    }),
  },
  "/v1/webhooks/{id}": {
    delete: customerOperation({
      summary: "Delete a webhook",
      tags: ["Webhooks"],
      requestParams: { path: idParam("webhook") },
      responses: { "204": { description: "Deleted.", headers: requestIdHeader }, ...notFound },
    }),
  },
  "/v1/jobs": {
    post: customerOperation({
      summary: "Create a batch job",
      tags: ["Batch jobs"],
      requestParams: { header: z.object({ "Idempotency-Key": idempotencyKey }) },
      requestBody: body(withRestKeys(jobInputSchema)),
      responses: { "202": json(AcceptedJob, "Queued for ingestion."), ...invalid },
    }),
    get: customerOperation({
      summary: "List jobs",
      tags: ["Batch jobs"],
      requestParams: { query: pageSchema },
      responses: { "200": json(page(Job, "JobPage"), "Newest first."), ...invalid },
    }),
  },
  "/v1/jobs/{id}": {
    get: customerOperation({ summary: "Job status", tags: ["Batch jobs"], requestParams: { path: idParam("job") }, responses: { "200": json(Job, "The job."), ...notFound } }),
  },
  "/v1/jobs/{id}/ranking": {
    get: customerOperation({
      summary: "Rank a job's compared responses",
      description: RANKING_DESCRIPTION,
      tags: ["Batch jobs"],
      requestParams: { path: idParam("job") },
      responses: { "200": json(PreferenceRankingSchema, "Strongest first."), ...notFound },
    }),
  },
  "/v1/jobs/{id}/export": {
    get: customerOperation({
      summary: "Export a job's labels",
      tags: ["Batch jobs"],
      requestParams: { path: idParam("job"), query: z.object({ format: z.enum(["jsonl"]).optional() }) },
      responses: {
        "200": {
          description: "One JSON line per manifest line that became a task, in manifest order (streamed).",
          headers: requestIdHeader,
          content: { "application/x-ndjson": { schema: ExportLine } },
        },
        ...invalid,
        ...notFound,
        "409": errorAnswer("job_not_completed."),
      },
    }),
  },
  "/v1/exports": {
    post: customerOperation({
      summary: "Export tasks in a format",
      description:
        "Any subset of your environment's tasks (filter: project_id, batch_id, job_id, status, task type, created/completed ranges as ISO 8601) in jsonl, csv, coco, yolo, pascal_voc, conll or ground_truth_manifest. Built in the background: poll GET /v1/exports/{id} (or take the export.completed event), then download.",
      tags: ["Exports"],
      requestParams: { header: z.object({ "Idempotency-Key": idempotencyKey }) },
      requestBody: body(z.object({ format: z.enum(EXPORT_FORMAT_NAMES), filter: withRestKeys(exportFilterSchema).optional() }).strict()),
      responses: { "202": json(ExportSchema, "Queued."), ...invalid },
    }),
    get: customerOperation({ summary: "List exports", tags: ["Exports"], requestParams: { query: pageSchema }, responses: { "200": json(page(ExportSchema, "ExportPage"), "Newest first."), ...invalid } }),
  },
  "/v1/exports/{id}": {
    get: customerOperation({ summary: "An export", tags: ["Exports"], requestParams: { path: idParam("export") }, responses: { "200": json(ExportSchema, "The export now."), ...notFound } }),
  },
  "/v1/exports/{id}/download": {
    get: customerOperation({
      summary: "Download an export",
      tags: ["Exports"],
      requestParams: { path: idParam("export") },
      responses: { "200": exportFile("The file (Content-Disposition names it)."), ...notFound, "409": errorAnswer("export_not_ready: not built yet, or failed.") },
    }),
  },
  "/v1/tasks/export": {
    get: customerOperation({
      summary: "Stream an export",
      description: "The same file as POST /v1/exports, written straight into the response: for exports small enough to wait for. The filter's fields are query parameters.",
      tags: ["Exports"],
      requestParams: { query: withRestKeys(exportFilterSchema).extend({ format: z.enum(EXPORT_FORMAT_NAMES).optional().meta({ description: "Default jsonl." }) }) },
      responses: { "200": exportFile("The file, streamed."), ...invalid },
    }),
  },
  "/v1/jobs/{id}/cancel": {
    post: customerOperation({
      summary: "Cancel a job",
      tags: ["Batch jobs"],
      requestParams: { path: idParam("job") },
      responses: { "200": json(Job, "Canceled; open tasks canceled and refunded."), ...notFound, "409": errorAnswer("job_not_cancelable: it has ended.") },
    }),
  },
  "/v1/billing/usage": {
    get: customerOperation({
      summary: "Usage of a month",
      tags: ["Billing"],
      requestParams: { query: z.object({ month: monthSchema.optional().meta({ description: "YYYY-MM; default the current UTC month." }) }) },
      responses: { "200": json(Usage, "Labels and amounts by type and day."), ...invalid },
    }),
  },
  "/v1/billing/invoices": {
    get: customerOperation({ summary: "Invoices", tags: ["Billing"], responses: { "200": json(list(Invoice, "InvoiceList"), "Newest first: this month's draft, then closed months.") } }),
  },
  "/v1/billing/invoices/{id}": {
    get: customerOperation({ summary: "An invoice", tags: ["Billing"], requestParams: { path: idParam("invoice") }, responses: { "200": json(Invoice, "The invoice."), ...notFound } }),
  },
  "/v1/dashboard/overview": {
    get: customerOperation({ summary: "Overview", tags: ["Dashboard"], responses: { "200": json(Overview, "Counts, throughput, turnaround, spend, quota.") } }),
  },
  "/v1/dashboard/tasks": {
    get: customerOperation({
      summary: "Task table",
      tags: ["Dashboard"],
      requestParams: { query: withRestKeys(tablePageSchema).extend({ status: z.union([taskStatus, z.literal("")]).optional() }) },
      responses: { "200": json(TaskTable, "A numbered page."), ...invalid },
    }),
  },
  "/v1/dashboard/quality": {
    get: customerOperation({ summary: "Quality", tags: ["Dashboard"], responses: { "200": json(Quality, "Per task type.") } }),
  },
  "/v1/dashboard/usage": {
    get: customerOperation({ summary: "Daily usage", tags: ["Dashboard"], responses: { "200": json(DailyUsage, "The last 30 UTC days.") } }),
  },
  "/v1/members": {
    get: customerOperation({ summary: "List members", tags: ["Team"], responses: { "200": json(list(MemberSchema, "MemberList"), "Members and invitations.") } }),
    post: customerOperation({
      summary: "Invite a member",
      description: "Owners and admins; only an owner invites an owner. The answer holds the invitation link, shown once (no email is sent).",
      tags: ["Team"],
      requestBody: body(invitationSchema),
      responses: { "201": json(InvitationSchema, "Invited."), ...invalid, "409": errorAnswer("member_exists.") },
    }),
  },
  "/v1/members/{id}": {
    patch: customerOperation({
      summary: "Change a member's role",
      tags: ["Team"],
      requestParams: { path: idParam("member") },
      requestBody: body(roleChangeSchema),
      responses: { "200": json(MemberSchema, "The member now."), ...invalid, ...notFound, "409": errorAnswer("last_owner.") },
    }),
    delete: customerOperation({
      summary: "Remove a member",
      tags: ["Team"],
      requestParams: { path: idParam("member") },
      responses: { "204": { description: "Removed; their sessions ended." }, ...notFound, "409": errorAnswer("last_owner.") },
    }),
  },
  "/v1/invitations/accept": {
    post: {
      summary: "Accept an invitation",
      description: "The invited person sets a password (at least 12 characters) and becomes a member.",
      tags: ["Team"],
      requestBody: body(acceptanceSchema),
      responses: { "200": json(MemberSchema, "Joined."), ...invalid, "404": errorAnswer("Unknown, used or expired invitation.") },
    },
  },
  "/v1/sessions": {
    post: {
      summary: "Sign in",
      description: "Email and password → a session in one environment (default: live when the account is). `cookie: true` (the console) sets an HTTP-only SameSite=Strict cookie for 8 hours instead of answering a token; otherwise a bearer token for an hour.",
      tags: ["Team"],
      requestBody: body(withRestKeys(signInSchema)),
      responses: { "201": json(SessionSchema, "Signed in."), ...invalid, "401": errorAnswer("Wrong email or password."), "403": errorAnswer("live_not_enabled.") },
    },
  },
  "/v1/sessions/current": {
    get: customerOperation({
      summary: "Who is calling",
      description: "The signed-in member (or null for an API key), the environment and the permissions of the credential presented.",
      tags: ["Team"],
      responses: {
        "200": json(
          z
            .object({
              member: MemberSchema.nullable(),
              key_id: z.string().nullable(),
              environment,
              permissions: z.array(z.enum(Object.keys(PERMISSIONS) as [Permission, ...Permission[]])),
            })
            .meta({ id: "Caller" }),
          "The caller.",
        ),
      },
    }),
    delete: customerOperation({ summary: "Sign out", tags: ["Team"], responses: { "204": { description: "The session presented ended (and its cookie cleared)." } } }),
  },
  "/v1/projects": {
    post: customerOperation({
      summary: "Create a project",
      description: "A task type and label_spec, instructions (Markdown) with worked examples, and defaults (replication, min_confidence, priority) that tasks, batches and jobs naming its project_id inherit; their own fields override.",
      tags: ["Projects"],
      requestParams: { header: z.object({ "Idempotency-Key": idempotencyKey }) },
      requestBody: body(withRestKeys(projectInputSchema)),
      responses: { "201": json(ProjectSchema, "Created."), ...invalid },
    }),
    get: customerOperation({ summary: "List projects", tags: ["Projects"], requestParams: { query: pageSchema }, responses: { "200": json(page(ProjectSchema, "ProjectPage"), "Newest first."), ...invalid } }),
  },
  "/v1/projects/{id}": {
    get: customerOperation({ summary: "A project, with its tasks by status", tags: ["Projects"], requestParams: { path: idParam("project") }, responses: { "200": json(ProjectSchema, "The project."), ...notFound } }),
    patch: customerOperation({
      summary: "Change a project",
      description: "Any of its fields; changes apply to tasks submitted from now on. archived: true refuses new tasks (existing ones go on).",
      tags: ["Projects"],
      requestParams: { path: idParam("project") },
      requestBody: body(withRestKeys(projectChangeSchema)),
      responses: { "200": json(ProjectSchema, "The project now."), ...invalid, ...notFound },
    }),
  },
  "/v1/work-teams": {
    post: customerOperation({
      summary: "Create a work team",
      tags: ["Workforce"],
      requestBody: body(workTeamNameSchema),
      responses: { "201": json(WorkTeamSchema, "Created, with no members yet."), ...invalid },
    }),
    get: customerOperation({ summary: "List work teams", tags: ["Workforce"], responses: { "200": json(list(WorkTeamSchema, "WorkTeamList"), "Oldest first.") } }),
  },
  "/v1/work-teams/{id}": {
    get: customerOperation({ summary: "A work team and its members", tags: ["Workforce"], requestParams: { path: idParam("work team") }, responses: { "200": json(WorkTeamSchema, "With each member's record."), ...notFound } }),
    patch: customerOperation({ summary: "Rename a work team", tags: ["Workforce"], requestParams: { path: idParam("work team") }, requestBody: body(workTeamNameSchema), responses: { "200": json(WorkTeamSchema, "The team now."), ...invalid, ...notFound } }),
  },
  "/v1/work-teams/{id}/invitations": {
    post: customerOperation({
      summary: "Invite an annotator",
      description: "A single-use link to the annotator page, valid 7 days, shown this once.",
      tags: ["Workforce"],
      requestParams: { path: idParam("work team") },
      responses: {
        "201": json(z.object({ invitation_id: z.string(), team_id: z.string(), token: z.string(), url: z.string(), expires_at: timestamp, message: z.string() }).meta({ id: "WorkTeamInvitation" }), "The link."),
        ...notFound,
      },
    }),
  },
  "/v1/work-teams/join": {
    post: {
      summary: "Join a work team",
      description: "The invited annotator (no credential: the invitation is one) gives a name and gets its annotator token, shown this once.",
      tags: ["Workforce"],
      requestBody: body(joinSchema),
      responses: {
        "201": json(z.object({ annotator_id: z.string(), name: z.string(), token: z.string(), team: z.object({ team_id: z.string(), name: z.string() }), message: z.string() }).meta({ id: "JoinedWorkTeam" }), "Joined."),
        ...invalid,
        "404": errorAnswer("Unknown, used or expired invitation."),
      },
    },
  },
  "/v1/work-teams/{id}/members/{annotatorId}/suspend": {
    post: customerOperation({
      summary: "Suspend a member",
      description: "It is offered none of the team's tasks until reinstated; its open assignments of them are released to the others at once. An annotator.suspended event says so.",
      tags: ["Workforce"],
      requestParams: { path: memberParams },
      requestBody: body(memberReasonSchema),
      responses: { "200": json(MembershipSchema, "Suspended."), ...invalid, ...notFound },
    }),
  },
  "/v1/work-teams/{id}/members/{annotatorId}/reinstate": {
    post: customerOperation({
      summary: "Reinstate a member",
      tags: ["Workforce"],
      requestParams: { path: memberParams },
      requestBody: body(memberReasonSchema),
      responses: { "200": json(MembershipSchema, "Active again."), ...invalid, ...notFound },
    }),
  },
  "/v1/work-teams/{id}/members/{annotatorId}": {
    delete: customerOperation({
      summary: "Remove a member",
      tags: ["Workforce"],
      requestParams: { path: memberParams },
      responses: { "204": { description: "Removed (its record stays, marked removed).", headers: requestIdHeader }, ...notFound },
    }),
  },
  "/v1/projects/{id}/annotators": {
    get: customerOperation({
      summary: "Annotators' skill on a project",
      description: "Everyone who judged the project's tasks (your team's or the shared pool's), first to judge first.",
      tags: ["Workforce"],
      requestParams: { path: idParam("project") },
      responses: {
        "200": json(
          list(
            z
              .object({
                annotator_id: z.string(),
                name: z.string(),
                judgments: z.int(),
                agreement: z.number().nullable().meta({ description: "The share of its judgments on completed tasks that matched the result; null before any completed." }),
                gold_answered: z.int(),
                gold_accuracy: z.number().nullable().meta({ description: "Right answers on the project's gold tasks; null before any." }),
                last_judgment_at: timestamp,
                qualification: z.enum(["passed", "failed"]).nullable(),
                suspended: z.object({ changed_by: z.string(), until: timestamp.nullable() }).nullable().meta({ description: "In force now: a suspension (until null) or a slowdown." }),
              })
              .meta({ id: "ProjectSkill" }),
            "ProjectSkillList",
          ),
          "First to judge first.",
        ),
        ...notFound,
      },
    }),
  },
  "/v1/projects/{id}/qualifications": {
    get: customerOperation({
      summary: "A project's qualification results",
      tags: ["Workforce"],
      requestParams: { path: idParam("project") },
      responses: {
        "200": json(
          list(
            z
              .object({ annotator_id: z.string(), name: z.string().optional(), status: z.enum(["passed", "failed"]), accuracy: z.number(), decided_at: timestamp, retry_at: timestamp.nullable() })
              .meta({ id: "ProjectQualification" }),
            "ProjectQualificationList",
          ),
          "Oldest decision first.",
        ),
        ...notFound,
      },
    }),
  },
  "/v1/projects/{id}/suspensions": {
    get: customerOperation({
      summary: "A project's suspended annotators",
      tags: ["Workforce"],
      requestParams: { path: idParam("project") },
      responses: { "200": json(list(SuspensionSchema, "ProjectSuspensionList"), "Oldest first."), ...notFound },
    }),
    post: customerOperation({
      summary: "Suspend an annotator from a project",
      description: "By hand (the project's quality_rules do it by themselves). Its open assignments of the project's tasks are released; an annotator.suspended event says so.",
      tags: ["Workforce"],
      requestParams: { path: idParam("project") },
      requestBody: body(z.object({ annotator_id: z.string(), reason: z.string().min(1).max(500) }).strict()),
      responses: { "201": json(SuspensionSchema, "Suspended (or already was)."), ...invalid, ...notFound },
    }),
  },
  "/v1/projects/{id}/suspensions/{annotatorId}": {
    delete: customerOperation({
      summary: "Lift a suspension",
      tags: ["Workforce"],
      requestParams: { path: z.object({ id: z.string().meta({ description: "The project's id." }), annotatorId: z.string().meta({ description: "The annotator's id." }) }) },
      responses: { "204": { description: "Lifted: the project's tasks are offered to it again.", headers: requestIdHeader }, ...notFound },
    }),
  },
  "/v1/audit-events": {
    get: customerOperation({
      summary: "Audit log",
      description: "Every change made through the API in the calling key's environment, newest first. Append-only.",
      tags: ["Audit"],
      requestParams: {
        query: pageSchema.extend({
          actor_id: z.string().optional().meta({ description: "Only this actor's: a key id (key_…) or operator." }),
          action: z.enum(AUDIT_ACTIONS).optional(),
          since: z.iso.datetime({ offset: true }).optional().meta({ description: "From this time (inclusive)." }),
          until: z.iso.datetime({ offset: true }).optional().meta({ description: "Before this time." }),
        }),
      },
      responses: { "200": json(page(AuditEventSchema, "AuditEventPage"), "Newest first."), ...invalid },
    }),
  },
};

let document: object | undefined;

/** The document, built once. */
export function openApiDocument(): object {
  document ??= createDocument({
    openapi: "3.1.0",
    info: {
      title: "ASG Refinery REST API",
      version: "1",
      description:
        "Data labeling: submit tasks, get aggregated results. Authenticate with `Authorization: Bearer <api_key>`. Every error has the Error shape. GraphQL at /graphql offers the same.",
    },
    servers: [{ url: "/" }],
    components: { securitySchemes: { apiKey: { type: "http", scheme: "bearer", description: "Your API key: sk_sandbox_… or sk_live_…" } } },
    paths,
  });
  return document;
}
