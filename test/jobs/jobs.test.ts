// Batch jobs against a real S3-protocol server (s3rver behind a SigV4 gate):
// ingestion, failures with their codes, line errors, export, tenant isolation.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestService, TEST_ADMIN_TOKEN, type TestService } from "../support/harness.js";
import { registerCustomer, type Customer } from "../support/fixtures.js";
import { makeLive } from "../support/annotators.js";
import { S3_ACCESS_KEY_ID, S3_REGION, S3_SECRET_ACCESS_KEY, startS3Server, type S3Server } from "../support/s3.js";
import { subscribe, wsClient } from "../support/ws.js";
import { startReceiver, type Receiver } from "../support/receiver.js";

let service: TestService;
let s3: S3Server;
let customer: Customer;
let receiver: Receiver;
const CREDENTIALS = { access_key_id: S3_ACCESS_KEY_ID, secret_access_key: S3_SECRET_ACCESS_KEY, region: S3_REGION };
const SENTIMENT = { question: "Sentiment?", options: ["pos", "neg"] };
/**
 * Lines of the end-to-end manifest. The sandbox crowd labels about 40 tasks/s
 * on 2 cores (fewer beside the other test files), so 10,000 lines take over 4
 * minutes: CI runs 1,000, and JOBS_E2E_LINES=10000 runs the full size.
 */
const E2E_LINES = Number(process.env.JOBS_E2E_LINES ?? 1_000);

beforeAll(async () => {
  s3 = await startS3Server();
  receiver = await startReceiver();
  service = await startTestService({ env: { ROLE: "all", S3_ENDPOINT: s3.endpoint, JOB_MAX_LINE_BYTES: "2000" } });
  customer = await registerCustomer(service.rest, "Jobs Co");
  // An operator raises the sandbox quota for a big manifest.
  const raised = await service.graphql(
    `mutation($id: ID!) { setCustomerTier(customerId: $id, tier: SANDBOX, labelQuota: 20000) { __typename } }`,
    { id: customer.customerId },
    { apiKey: TEST_ADMIN_TOKEN },
  );
  expect(raised.errors).toBeUndefined();
}, 60_000);
afterAll(async () => {
  await service.close();
  await s3.close();
  await receiver.close();
});

const textLines = (count: number, from = 1) => Array.from({ length: count }, (_, i) => JSON.stringify({ source: `review ${from + i}`, id: from + i })).join("\n") + "\n";

async function createJob(body: Record<string, unknown>, apiKey = customer.apiKey) {
  const res = await service.rest.post("/v1/jobs", body, { apiKey });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  expect(res.body).toMatchObject({ job_id: expect.stringMatching(/^job_/), status: "queued", created_at: expect.stringMatching(/Z$/) });
  return res.body.job_id as string;
}

async function waitForJob(jobId: string, statuses: string[], timeoutMs = 60_000, apiKey = customer.apiKey) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await service.rest.get(`/v1/jobs/${jobId}`, { apiKey });
    expect(res.status).toBe(200);
    if (statuses.includes(res.body.status)) return res.body;
    if (Date.now() > deadline) throw new Error(`job ${jobId} is still ${JSON.stringify(res.body)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function exportLines(jobId: string) {
  const response = await fetch(`${service.url}/v1/jobs/${jobId}/export`, { headers: { authorization: `Bearer ${customer.apiKey}` } });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toMatch(/^application\/x-ndjson/);
  return (await response.text()).trimEnd().split("\n").map((line) => JSON.parse(line));
}

describe("batch jobs", () => {
  it("fails with s3_access_denied for a wrong secret and manifest_not_found for a missing object", async () => {
    const watcher = await registerCustomer(service.rest, "Watcher Co");
    const hook = await service.rest.post("/v1/webhooks", { callback_url: receiver.url, events: ["job.failed", "job.completed"] }, { apiKey: watcher.apiKey });
    expect(hook.status).toBe(201);
    await s3.put("small.jsonl", textLines(3));
    const wrongSecret = await createJob({
      manifest_url: `${s3.endpoint}/${s3.bucket}/small.jsonl`,
      label_spec: SENTIMENT,
      s3_credentials: { ...CREDENTIALS, secret_access_key: "not-the-secret" },
    });
    const missing = await createJob({ manifest_url: `s3://${s3.bucket}/nowhere.jsonl`, label_spec: SENTIMENT, s3_credentials: CREDENTIALS });
    expect(await waitForJob(wrongSecret, ["failed", "completed"])).toMatchObject({ status: "failed", failure_code: "s3_access_denied", counts: { tasks_created: 0 } });
    expect(await waitForJob(missing, ["failed", "completed"])).toMatchObject({ status: "failed", failure_code: "manifest_not_found" });
    const stored = await service.deps.prisma.job.findUniqueOrThrow({ where: { id: wrongSecret } });
    expect(stored.credentialsSealed).toBeNull();

    // The same as a webhook event, with the job's representation.
    const watched = await createJob({ manifest_url: `s3://${s3.bucket}/nowhere-else.jsonl`, label_spec: SENTIMENT, s3_credentials: CREDENTIALS }, watcher.apiKey);
    const [delivery] = await receiver.waitFor(1);
    expect(JSON.parse(delivery.body)).toMatchObject({ type: "job.failed", data: { job_id: watched, status: "failed", failure_code: "manifest_not_found" } });
    expect(delivery.body).not.toContain(S3_SECRET_ACCESS_KEY);
  });

  it("reports bad lines by number and labels the rest; an https manifest with credentials is signed", async () => {
    const manifest = [
      JSON.stringify({ source: "fine 1" }),
      "{not json",
      JSON.stringify({ source: "fine 2", metadata: { batch: 7 } }),
      JSON.stringify({ picture: "x.jpg" }),
      "",
      JSON.stringify({ data_url: "ftp://example.com/a.txt" }),
      JSON.stringify({ source: "fine 3" }),
      JSON.stringify({ source: "x".repeat(5000) }),
      // What PostgreSQL cannot store is one bad line, not a failed chunk.
      String.raw`{"source": "nul \u0000 inside"}`,
    ].join("\n");
    await s3.put("mixed.jsonl", manifest);
    const jobId = await createJob({ manifest_url: `${s3.endpoint}/${s3.bucket}/mixed.jsonl`, label_spec: SENTIMENT, s3_credentials: CREDENTIALS });
    const job = await waitForJob(jobId, ["completed", "failed"]);
    expect(job).toMatchObject({ status: "completed", counts: { total_lines: 8, tasks_created: 3, invalid_lines: 5, completed: 3 } });
    expect(job.line_errors).toEqual([
      { line: 2, reason: "not valid JSON" },
      { line: 4, reason: "unknown shape: give exactly one of source-ref, source or data_url" },
      { line: 6, reason: "data_url: must be an http:// or https:// URL" },
      { line: 8, reason: "line is longer than 2000 bytes" },
      { line: 9, reason: "text must not contain NUL (\\u0000) characters" },
    ]);
    const lines = await exportLines(jobId);
    expect(lines.map((line) => line.source)).toEqual(["fine 1", "fine 2", "fine 3"]);
    const otherFormat = await service.rest.get(`/v1/jobs/${jobId}/export?format=csv`, { apiKey: customer.apiKey });
    expect(otherFormat.status).toBe(400);
    expect(otherFormat.body.error.errors[0].path).toBe("format");
    expect(lines[1].metadata).toEqual({ batch: 7 });
  });

  it("fails a job that does not fit the quota before creating any task", async () => {
    const small = await registerCustomer(service.rest, "Small Co");
    await s3.put("too-many.jsonl", textLines(600));
    const jobId = await createJob({ manifest_url: `s3://${s3.bucket}/too-many.jsonl`, label_spec: SENTIMENT, s3_credentials: CREDENTIALS }, small.apiKey);
    const job = await waitForJob(jobId, ["failed", "completed"], 60_000, small.apiKey);
    expect(job).toMatchObject({ status: "failed", failure_code: "quota_exceeded", counts: { tasks_created: 0 } });
    expect(job.failure_reason).toMatch(/600/);
    expect((await service.rest.get("/v1/customers/me", { apiKey: small.apiKey })).body.labels_used).toBe(0);
  });

  it("keeps jobs private, refuses bad input, and exports only completed jobs", async () => {
    const live = await registerCustomer(service.rest, "Humans Co");
    live.apiKey = await makeLive(service.graphql, live.customerId);
    await s3.put("humans.jsonl", textLines(2));
    // Live tasks wait for people: the job stays labeling.
    const jobId = await createJob({ manifest_url: `s3://${s3.bucket}/humans.jsonl`, label_spec: SENTIMENT, s3_credentials: CREDENTIALS }, live.apiKey);
    await waitForJob(jobId, ["labeling"], 60_000, live.apiKey);
    const early = await service.rest.get(`/v1/jobs/${jobId}/export`, { apiKey: live.apiKey });
    expect(early.status).toBe(409);
    expect(early.body.error.code).toBe("job_not_completed");

    for (const path of [`/v1/jobs/${jobId}`, `/v1/jobs/${jobId}/export`]) {
      const asOther = await service.rest.get(path, { apiKey: customer.apiKey });
      expect(asOther.status).toBe(404);
    }
    expect((await service.rest.post(`/v1/jobs/${jobId}/cancel`, {}, { apiKey: customer.apiKey })).status).toBe(404);
    const listed = await service.rest.get("/v1/jobs?limit=100", { apiKey: customer.apiKey });
    expect(listed.body.data.map((j: { job_id: string }) => j.job_id)).not.toContain(jobId);

    const canceled = await service.rest.post(`/v1/jobs/${jobId}/cancel`, {}, { apiKey: live.apiKey });
    expect(canceled.status).toBe(200);
    expect(canceled.body).toMatchObject({ status: "canceled", counts: { canceled: 2 } });
    expect((await service.rest.get("/v1/customers/me", { apiKey: live.apiKey })).body.labels_used).toBe(0);

    const bad = await service.rest.post("/v1/jobs", { manifest_url: "ftp://x/y", label_spec: SENTIMENT, s3_credentials: { access_key_id: "" } }, { apiKey: customer.apiKey });
    expect(bad.status).toBe(400);
    expect(bad.body.error.errors.map((e: { path: string }) => e.path)).toEqual(expect.arrayContaining(["manifest_url", "s3_credentials.access_key_id"]));
  });

  it("follows a job over graphql-ws from its current state to completed", async () => {
    await s3.put("follow.jsonl", textLines(20));
    const client = wsClient(service.url, { authorization: customer.apiKey });
    try {
      const created = await service.graphql(
        `mutation($input: CreateJobInput!) { createJob(input: $input) { ... on MutationCreateJobSuccess { data { id status } } ... on AppError { code message } } }`,
        { input: { manifestUrl: `s3://${s3.bucket}/follow.jsonl`, labelSpec: SENTIMENT, s3Credentials: { accessKeyId: S3_ACCESS_KEY_ID, secretAccessKey: S3_SECRET_ACCESS_KEY } } },
        { apiKey: customer.apiKey },
      );
      const jobId = created.data.createJob.data.id;
      const sub = await subscribe(client, `subscription($id: ID!) { jobProgress(jobId: $id) { id status progress } }`, { id: jobId });
      const first = await sub.next();
      expect(first.jobProgress.id).toBe(jobId);
      let update = first;
      while (update.jobProgress.status !== "COMPLETED") update = await sub.next();
      expect(update.jobProgress.progress).toBe(1);
    } finally {
      await client.dispose();
    }
  });

  it(`labels a ${E2E_LINES}-line manifest from s3:// end to end, and exports it in manifest order`, async () => {
    await s3.put("big.jsonl", textLines(E2E_LINES));
    const jobId = await createJob({ manifest_url: `s3://${s3.bucket}/big.jsonl`, label_spec: SENTIMENT, s3_credentials: CREDENTIALS, replication: 1 });
    const job = await waitForJob(jobId, ["completed", "failed"], E2E_LINES * 100);
    expect(job).toMatchObject({
      status: "completed",
      progress: 1,
      counts: { total_lines: E2E_LINES, tasks_created: E2E_LINES, invalid_lines: 0, completed: E2E_LINES, failed: 0 },
      line_errors: [],
    });
    const lines = await exportLines(jobId);
    expect(lines).toHaveLength(E2E_LINES);
    expect(lines.map((line) => line.id)).toEqual(Array.from({ length: E2E_LINES }, (_, i) => i + 1));
    expect(lines[0]).toMatchObject({
      source: "review 1",
      label: expect.stringMatching(/^(pos|neg)$/),
      "label-metadata": { "class-name": lines[0].label, "job-name": jobId, "human-annotated": "no", type: "asg-refinery/text_classification" },
      task_id: expect.stringMatching(/^tsk_/),
      judgments: 1,
    });
    // The labels were charged once per line.
    const me = await service.rest.get("/v1/customers/me", { apiKey: customer.apiKey });
    expect(me.body.labels_used).toBeGreaterThanOrEqual(E2E_LINES);
  }, E2E_LINES * 100 + 60_000);
});
