// The public JSON: every body the REST API answers, which is also what
// webhooks deliver (and exports will write). One place, so the three agree.
import type { ApiKey, AuditEvent, Batch, Export, Job, Member, Project, Task, Webhook, WorkTeam, WorkTeamInvitation, WorkTeamMember, ProjectSuspension, ProjectQualification } from "../../generated/prisma/client.js";
import type { Joined, ProjectSkill, TeamMember } from "../workforce/index.js";
import type { Caller, CreatedApiKey, Invitation, Profile, Registration, SignedIn } from "../accounts/index.js";
import type { InvoiceDocument, MonthUsage } from "../billing/index.js";
import type { Overview, TaskTable, TypeQuality, UsageDay } from "../dashboard/index.js";
import { isFinal, type StatusCounts } from "../tasks/statuses.js";
import type { PreferenceRanking } from "../tasks/preference-ranking.js";
import type { BatchSubmission } from "../tasks/submission.js";
import { taskTypeOf } from "../tasks/types/index.js";
import type { FeedPage } from "../webhooks/index.js";

const iso = (date: Date | null) => (date ? date.toISOString() : null);

/** 201 of POST /v1/customers. */
export function registrationView(registration: Registration) {
  return {
    customer_id: registration.customerId,
    api_key: registration.apiKey,
    tier: registration.tier,
    label_quota: registration.labelQuota,
    message: registration.message,
  };
}

/** GET /v1/customers/me. */
export function profileView(profile: Profile) {
  return {
    customer_id: profile.customerId,
    name: profile.name,
    email: profile.email,
    tier: profile.tier,
    environment: profile.environment,
    label_quota: profile.labelQuota,
    labels_used: profile.labelsUsed,
    labels_remaining: profile.labelsRemaining,
    api_key_prefix: profile.apiKeyPrefix,
    callback_secret: profile.callbackSecret,
    created_at: profile.createdAt.toISOString(),
  };
}

/** An entry of GET /v1/api-keys: never the key itself. */
export function apiKeyView(key: ApiKey) {
  return {
    key_id: key.id,
    prefix: key.prefix,
    environment: key.environment,
    scope: key.scope,
    created_at: key.createdAt.toISOString(),
    last_used_at: iso(key.lastUsedAt),
    revoked_at: iso(key.revokedAt),
  };
}

/** 201 of POST /v1/api-keys: the key, shown this once. */
export function createdApiKeyView(created: CreatedApiKey) {
  return { ...apiKeyView(created.key), api_key: created.apiKey, message: created.message };
}

/** 202 of POST /v1/tasks. */
export function acceptedTaskView(task: Task) {
  return { task_id: task.id, status: task.status, created_at: task.createdAt.toISOString() };
}

/** 202 of POST /v1/tasks/batch. */
export function acceptedBatchView(batch: BatchSubmission) {
  return {
    batch_id: batch.batchId,
    task_count: batch.taskCount,
    status: batch.status,
    ...(batch.duplicateCount ? { duplicate_count: batch.duplicateCount } : {}),
    // Large batches are read with GET /v1/batches/{id}/tasks instead.
    ...(batch.taskIds.length <= MAX_LISTED_TASK_IDS ? { task_ids: batch.taskIds } : {}),
  };
}

const MAX_LISTED_TASK_IDS = 1_000;

/** A task's inline data as it was given: text, or a JSON type's object. */
const dataView = (task: Pick<Task, "type" | "data">) => (taskTypeOf(task).data === "json" ? JSON.parse(task.data!) : task.data);

/** GET /v1/tasks/{id}; the data of a task.failed event. */
export function taskView(task: Task) {
  return {
    task_id: task.id,
    status: task.status,
    task_type: task.type,
    data_url: task.dataUrl,
    ...(task.data !== null ? { data: dataView(task) } : {}),
    label_spec: task.labelSpec,
    metadata: task.metadata ?? null,
    priority: task.priority,
    replication: task.replication,
    callback_url: task.callbackUrl,
    external_id: task.externalId,
    batch_id: task.batchId,
    ...(task.projectId !== null ? { project_id: task.projectId } : {}),
    gold: !task.billable,
    created_at: iso(task.createdAt),
    updated_at: iso(task.updatedAt),
    completed_at: iso(task.completedAt),
    ...(task.failureReason ? { failure_reason: task.failureReason } : {}),
  };
}

/**
 * GET /v1/tasks/{id}/result (the data of a task.completed event): 202 with the
 * status while in progress; 200 once final — with the result when completed,
 * without one when failed or canceled.
 */
export function taskResultView(task: Task): { status: 200 | 202; body: Record<string, unknown> } {
  const base = { task_id: task.id, status: task.status, task_type: task.type };
  if (!isFinal(task.status)) {
    return { status: 202, body: { ...base, judgments: task.judgmentCount, replication: task.replication } };
  }
  if (task.status !== "completed") {
    const failure = task.failureReason ? { failure_reason: task.failureReason } : {};
    return { status: 200, body: { ...base, result: null, ...failure, judgments: task.judgmentCount, completed_at: iso(task.completedAt) } };
  }
  return {
    status: 200,
    body: {
      ...base,
      result: task.result,
      confidence: task.confidence,
      judgments: task.judgmentCount,
      completed_at: iso(task.completedAt),
      // How the result was reached: the method, each vote and how reliable its annotator was.
      aggregation: task.aggregation ?? null,
    },
  };
}

/** GET /v1/batches/{id}/ranking and /v1/jobs/{id}/ranking. */
export function rankingView(ranking: PreferenceRanking) {
  return { comparisons: ranking.comparisons, items: ranking.items };
}

/** GET /v1/batches/{id}; the data of a batch.completed event. */
export function batchView(batch: Batch, counts: StatusCounts) {
  return {
    batch_id: batch.id,
    status: batch.status,
    task_count: batch.taskCount,
    counts,
    created_at: batch.createdAt.toISOString(),
    completed_at: iso(batch.completedAt),
  };
}

/** GET /v1/webhooks items and the 201 of POST /v1/webhooks; never the secret. */
/** GET /v1/projects items and GET /v1/projects/{id} (with its tasks' counts). */
export function projectView(project: Project, counts?: StatusCounts) {
  return {
    project_id: project.id,
    name: project.name,
    task_type: project.type,
    label_spec: project.labelSpec,
    instructions: project.instructions,
    examples: (project.examples as { data?: string; dataUrl?: string; answer: unknown; explanation?: string }[]).map((example) => ({
      ...(example.data !== undefined ? { data: example.data } : {}),
      ...(example.dataUrl !== undefined ? { data_url: example.dataUrl } : {}),
      answer: example.answer,
      ...(example.explanation !== undefined ? { explanation: example.explanation } : {}),
    })),
    replication: project.replication,
    min_confidence: project.minConfidence,
    priority: project.priority,
    work_team_id: project.workTeamId,
    quality_rules: project.qualityRules ?? null,
    qualification: project.qualification ?? null,
    gold_rate: project.goldRate,
    environment: project.environment,
    archived: project.archivedAt !== null,
    created_at: project.createdAt.toISOString(),
    updated_at: project.updatedAt.toISOString(),
    ...(counts ? { counts } : {}),
  };
}

/** GET /v1/members items. Never a password or an invitation token. */
export function memberView(member: Member) {
  return {
    member_id: member.id,
    email: member.email,
    role: member.role,
    status: member.acceptedAt ? "active" : "invited",
    invited_by: member.invitedBy,
    created_at: member.createdAt.toISOString(),
    accepted_at: iso(member.acceptedAt),
  };
}

/** 201 of POST /v1/members: the invitation's token and link, shown this once. */
export function invitationView(invitation: Invitation, link: string) {
  return {
    ...memberView(invitation.member),
    invitation: { token: invitation.token, url: link, expires_at: iso(invitation.member.invitationExpiresAt) },
    message: "Send this link to the person invited; it is shown only once and works for 7 days.",
  };
}

/** 201 of POST /v1/sessions: a bearer token, unless it went into the console's HTTP-only cookie. */
export function sessionView(session: SignedIn) {
  return {
    member: memberView(session.member),
    customer_id: session.member.customerId,
    environment: session.environment,
    expires_at: session.expiresAt.toISOString(),
    ...(session.cookie ? {} : { token: session.token }),
  };
}

/** GET /v1/sessions/current. */
export function callerView(caller: Caller) {
  return {
    member: caller.member ? memberView(caller.member) : null,
    key_id: caller.keyId,
    environment: caller.environment,
    permissions: caller.permissions,
  };
}

/** GET /v1/audit-events items. */
export function auditEventView(event: AuditEvent) {
  return {
    id: event.id,
    action: event.action,
    actor: { type: event.actorType, id: event.actorId },
    target_id: event.targetId,
    details: event.details ?? {},
    environment: event.environment,
    request_id: event.requestId,
    client_address: event.clientAddress,
    created_at: event.createdAt.toISOString(),
  };
}

/** GET /v1/events: each event as its webhook body, with its place in the feed. */
export function eventFeedView(page: FeedPage) {
  return {
    data: page.events.map((event) => ({ id: event.id, type: event.type, created_at: event.createdAt.toISOString(), data: event.data, cursor: event.cursor })),
    next_cursor: page.nextCursor,
    has_more: page.hasMore,
  };
}

export function webhookView(webhook: Webhook, generatedSecret?: string) {
  return {
    webhook_id: webhook.id,
    callback_url: webhook.url,
    events: webhook.events as string[],
    status: webhook.status,
    disabled_reason: webhook.disabledReason,
    failing_since: iso(webhook.failingSince),
    created_at: webhook.createdAt.toISOString(),
    // Only when the server generated it: shown this once.
    ...(generatedSecret ? { secret: generatedSecret } : {}),
  };
}

/** 202 of POST /v1/jobs. */
export function acceptedJobView(job: Job) {
  return { job_id: job.id, status: job.status, created_at: job.createdAt.toISOString() };
}

/** GET /v1/jobs/{id}; the data of job.completed and job.failed events. */
export function jobView(job: Job, counts: StatusCounts) {
  const ended = counts.completed + counts.failed + counts.canceled;
  const progress = job.status === "completed" ? 1 : job.validLines > 0 ? ended / job.validLines : 0;
  return {
    job_id: job.id,
    status: job.status,
    manifest_url: job.manifestUrl,
    counts: {
      total_lines: job.totalLines,
      tasks_created: job.tasksCreated,
      invalid_lines: job.invalidLines,
      completed: counts.completed,
      failed: counts.failed,
      canceled: counts.canceled,
    },
    progress: Math.round(progress * 10_000) / 10_000,
    line_errors: job.lineErrors,
    ...(job.failureCode ? { failure_code: job.failureCode, failure_reason: job.failureReason } : {}),
    created_at: job.createdAt.toISOString(),
    updated_at: job.updatedAt.toISOString(),
    completed_at: iso(job.completedAt),
  };
}

/** The attribute that holds the label in an export line, Ground Truth style. */
const LABEL_ATTRIBUTE = "label";

/**
 * One line of GET /v1/jobs/{id}/export: the manifest line as given, plus the
 * label and its "<attr>-metadata" (SageMaker Ground Truth's output manifest).
 */
export function exportLineView(task: Task, jobId: string | null) {
  const result = task.result as Record<string, unknown> | null;
  // A task not read from a manifest gets the line Ground Truth would have had.
  const line = task.manifestLine ?? (task.dataUrl !== null ? { "source-ref": task.dataUrl } : { source: dataView(task) });
  return {
    ...(line as Record<string, unknown>),
    [LABEL_ATTRIBUTE]: result && "label" in result ? result.label : result,
    [`${LABEL_ATTRIBUTE}-metadata`]: {
      ...(result && "label" in result ? { "class-name": result.label } : {}),
      confidence: task.confidence,
      type: `asg-refinery/${task.type}`,
      "job-name": jobId,
      "human-annotated": task.workforce === "human" ? "yes" : "no",
      "creation-date": iso(task.completedAt),
      status: task.status,
      ...(task.failureReason ? { "failure-reason": task.failureReason } : {}),
    },
    task_id: task.id,
    judgments: task.judgmentCount,
  };
}

/** GET /v1/exports/{id}; the data of an export.completed event. */
export function exportView(exported: Export) {
  const filter = exported.filter as Record<string, string>;
  const restName = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  return {
    export_id: exported.id,
    status: exported.status,
    format: exported.format,
    filter: Object.fromEntries(Object.entries(filter).map(([key, value]) => [restName(key), value])),
    task_count: exported.taskCount,
    skipped: exported.skipped,
    bytes: Number(exported.bytes),
    ...(exported.error ? { error: exported.error } : {}),
    download_url: exported.status === "completed" ? `/v1/exports/${exported.id}/download` : null,
    created_at: exported.createdAt.toISOString(),
    completed_at: iso(exported.completedAt),
  };
}

/** GET /v1/billing/usage. */
export function usageView(usage: MonthUsage) {
  return {
    month: usage.month,
    currency: usage.currency,
    total_labels: usage.totalLabels,
    total_amount: usage.totalAmount,
    by_type: usage.byType.map((line) => ({ task_type: line.taskType, labels: line.labels, amount: line.amount })),
    by_day: usage.byDay.map((day) => ({ date: day.date, labels: day.labels, amount: day.amount })),
    quota: { label_quota: usage.quota.labelQuota, labels_used: usage.quota.labelsUsed, labels_remaining: usage.quota.labelsRemaining },
  };
}

/** An item of GET /v1/billing/invoices, and GET /v1/billing/invoices/{id}. Amounts in minor units. */
export function invoiceView(invoice: InvoiceDocument) {
  return {
    invoice_id: invoice.invoiceId,
    period: invoice.period,
    period_start: invoice.periodStart.toISOString(),
    period_end: invoice.periodEnd.toISOString(),
    currency: invoice.currency,
    line_items: invoice.lineItems.map((line) => ({ task_type: line.taskType, quantity: line.labels, unit_price: line.unitPrice, amount: line.amount })),
    subtotal: invoice.subtotal,
    total: invoice.total,
    status: invoice.status,
    issued_at: iso(invoice.issuedAt),
  };
}

/** GET /v1/dashboard/overview. Turnaround in seconds, spend in minor units. */
export function overviewView(overview: Overview) {
  return {
    counts: overview.counts,
    submitted: { last_24h: overview.submitted.last24h, last_7d: overview.submitted.last7d },
    completed: { last_24h: overview.completed.last24h, last_7d: overview.completed.last7d },
    turnaround_seconds: { median: overview.turnaround.median, p90: overview.turnaround.p90 },
    spend_this_month: overview.spendThisMonth,
    currency: overview.currency,
    quota: { label_quota: overview.quota.labelQuota, labels_used: overview.quota.labelsUsed, labels_remaining: overview.quota.labelsRemaining },
    open_jobs: overview.openJobs,
    open_batches: overview.openBatches,
  };
}

/** GET /v1/dashboard/tasks. */
export function taskTableView(table: TaskTable) {
  return { items: table.items.map(taskView), page: table.page, per_page: table.perPage, total: table.total, total_pages: table.totalPages };
}

/** GET /v1/dashboard/quality. */
export function qualityView(types: TypeQuality[]) {
  return {
    task_types: types.map((type) => ({
      task_type: type.taskType,
      completed: type.completed,
      mean_confidence: type.meanConfidence,
      agreement: type.agreement,
      gold_accuracy: type.goldAccuracy,
      extra_judgment_share: type.extraJudgmentShare,
      confidence_histogram: type.confidenceHistogram,
    })),
  };
}

/** GET /v1/dashboard/usage. */
export function dailyUsageView(days: UsageDay[]) {
  return { days };
}

/** GET /v1/work-teams items; with `members`, GET /v1/work-teams/{id}. */
export function workTeamView(team: WorkTeam, members?: TeamMember[]) {
  return {
    team_id: team.id,
    name: team.name,
    environment: team.environment,
    created_at: iso(team.createdAt),
    ...(members ? { members: members.map(teamMemberView) } : {}),
  };
}

/** A member of a work team with its record: accuracy on gold, judgments, agreement with the consensus. */
export function teamMemberView({ annotator, membership, reliability }: TeamMember) {
  return {
    annotator_id: annotator.id,
    name: annotator.name,
    status: membership.status,
    reason: membership.reason,
    joined_at: iso(membership.joinedAt),
    gold_answered: reliability.goldTotal,
    gold_accuracy: reliability.goldAccuracy,
    judgments: reliability.judgments,
    agreement: reliability.agreement,
  };
}

/** 201 of POST /v1/work-teams/{id}/invitations: the link, this once. */
export function workTeamInvitationView(invitation: WorkTeamInvitation, token: string, link: string) {
  return {
    invitation_id: invitation.id,
    team_id: invitation.teamId,
    token,
    url: link,
    expires_at: iso(invitation.expiresAt),
    message: "Send this link to the annotator invited; it is shown only once, works once and for 7 days.",
  };
}

/** 201 of POST /v1/work-teams/join: the new annotator's token, this once. */
export function joinedView(joined: Joined) {
  return {
    annotator_id: joined.annotator.id,
    name: joined.annotator.name,
    token: joined.token,
    team: { team_id: joined.team.id, name: joined.team.name },
    message: "Keep this token: it signs you in on the annotator page (/annotate) and is shown only once.",
  };
}

/** 200 of suspend / reinstate. */
export function membershipView(change: { membership: WorkTeamMember; released: number }) {
  return {
    team_id: change.membership.teamId,
    annotator_id: change.membership.annotatorId,
    status: change.membership.status,
    reason: change.membership.reason,
    released_assignments: change.released,
  };
}

/** GET /v1/projects/{id}/suspensions items: an annotator kept off a project, and why. */
export function suspensionView(suspension: ProjectSuspension & { annotator?: { name: string } }) {
  return {
    project_id: suspension.projectId,
    annotator_id: suspension.annotatorId,
    ...(suspension.annotator ? { name: suspension.annotator.name } : {}),
    reason: suspension.reason,
    changed_by: suspension.changedBy,
    suspended_at: iso(suspension.suspendedAt),
    until: iso(suspension.until),
  };
}

/** GET /v1/projects/{id}/annotators items: an annotator's skill on the project. */
export function projectSkillView(skill: ProjectSkill) {
  return {
    annotator_id: skill.annotatorId,
    name: skill.name,
    judgments: skill.judgments,
    agreement: skill.agreement,
    gold_answered: skill.goldAnswered,
    gold_accuracy: skill.goldAccuracy,
    last_judgment_at: iso(skill.lastJudgmentAt),
    qualification: skill.qualification,
    suspended: skill.suspendedBy === null ? null : { changed_by: skill.suspendedBy, until: iso(skill.suspendedUntil) },
  };
}

/** GET /v1/projects/{id}/qualifications items. */
export function qualificationView(record: ProjectQualification & { annotator?: { name: string } }) {
  return {
    annotator_id: record.annotatorId,
    ...(record.annotator ? { name: record.annotator.name } : {}),
    status: record.status,
    accuracy: record.accuracy,
    decided_at: iso(record.decidedAt),
    retry_at: iso(record.retryAt),
  };
}
