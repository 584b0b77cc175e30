// The audit log as a customer reads it: every change through REST or GraphQL
// is one row naming the key, the target, the request id and the address,
// written with the change (a refused change leaves none), per environment and
// per customer, filterable and paged, and append-only.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestService, TEST_ADMIN_TOKEN, type TestService } from "../support/harness.js";
import { imageTask, registerCustomer, type Customer } from "../support/fixtures.js";
import { makeLive } from "../support/annotators.js";
import { S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY, startS3Server } from "../support/s3.js";

let service: TestService;
beforeAll(async () => {
  service = await startTestService();
});
afterAll(() => service.close());

const keyIdOf = async (apiKey: string) => {
  const keys = (await service.rest.get("/v1/api-keys", { apiKey })).body.data as { key_id: string; prefix: string }[];
  return keys.find((key) => apiKey.startsWith(key.prefix))!.key_id;
};

async function auditOf(apiKey: string, query = "") {
  const res = await service.rest.get(`/v1/audit-events${query}`, { apiKey });
  expect(res.status, res.text).toBe(200);
  return res.body.data as any[];
}

describe("the audit log", () => {
  let customer: Customer;
  let liveKey: string;
  beforeAll(async () => {
    customer = await registerCustomer(service.rest, "Audited Co");
    liveKey = await makeLive(service.graphql, customer.customerId);
  });

  it("records each change with who, what, target, request id and client address, over REST and GraphQL", async () => {
    const sandboxKeyId = await keyIdOf(customer.apiKey);
    const created = await service.rest.post("/v1/api-keys", {}, { apiKey: customer.apiKey, headers: { "x-request-id": "audit-key-1" } });
    expect(created.status).toBe(201);
    const revoked = await service.rest.delete(`/v1/api-keys/${created.body.key_id}`, { apiKey: customer.apiKey });
    const hook = await service.rest.post("/v1/webhooks", { callback_url: "https://hooks.example.com/audit" }, { apiKey: customer.apiKey });
    const rotated = await service.graphql(`mutation($id: ID!) { rotateWebhookSecret(id: $id) { __typename } }`, { id: hook.body.webhook_id }, { apiKey: customer.apiKey });
    expect(rotated.data.rotateWebhookSecret.__typename).toBe("MutationRotateWebhookSecretSuccess");
    await service.rest.delete(`/v1/webhooks/${hook.body.webhook_id}`, { apiKey: customer.apiKey });
    // Sandbox tasks are labeled at once: a pending one is canceled through a live key below.
    const task = await service.rest.post("/v1/tasks", imageTask(), { apiKey: liveKey });
    const canceled = await service.graphql(`mutation($id: ID!) { cancelTask(id: $id) { __typename } }`, { id: task.body.task_id }, { apiKey: liveKey });
    expect(canceled.data.cancelTask.__typename).toBe("MutationCancelTaskSuccess");

    const sandbox = await auditOf(customer.apiKey);
    expect(sandbox.map((event) => event.action)).toEqual([
      "webhook.deleted",
      "webhook.secret_rotated",
      "webhook.created",
      "api_key.revoked",
      "api_key.created",
      "customer.tier_changed",
      "customer.registered",
    ]);
    for (const event of sandbox.filter((e) => e.action !== "customer.tier_changed")) {
      expect(event.actor).toEqual({ type: "api_key", id: sandboxKeyId });
      expect(event.environment).toBe(event.action === "customer.registered" ? "account" : "sandbox");
      expect(event.client_address).toMatch(/127\.0\.0\.1/);
      expect(event.request_id).toMatch(/^(req_|audit-)/);
    }
    const keyCreated = sandbox.find((event) => event.action === "api_key.created");
    expect(keyCreated).toMatchObject({ target_id: created.body.key_id, request_id: "audit-key-1", details: { environment: "sandbox" } });
    expect(sandbox.find((event) => event.action === "api_key.revoked")).toMatchObject({ target_id: created.body.key_id, request_id: revoked.headers.get("x-request-id") });
    expect(sandbox.find((event) => event.action === "webhook.created")).toMatchObject({ target_id: hook.body.webhook_id, details: { url: "https://hooks.example.com/audit" } });
    expect(sandbox.find((event) => event.action === "customer.registered")).toMatchObject({ target_id: customer.customerId });

    // Live: the live key's cancel (GraphQL), and the account's own changes (the operator's tier change, the registration).
    const live = await auditOf(liveKey);
    expect(live.map((event) => [event.action, event.actor.type, event.environment])).toEqual([
      ["task.canceled", "api_key", "live"],
      ["customer.tier_changed", "operator", "account"],
      ["customer.registered", "api_key", "account"],
    ]);
    expect(live[0]).toMatchObject({ target_id: task.body.task_id, actor: { id: await keyIdOf(liveKey) }, environment: "live" });
    expect(live[1]).toMatchObject({ actor: { type: "operator", id: "operator" }, target_id: customer.customerId, details: { tier: "live" } });
  });

  it("records nothing for a change that was refused", async () => {
    const lonely = await registerCustomer(service.rest, "One Key Co");
    const before = await auditOf(lonely.apiKey);
    const refused = await service.rest.delete(`/v1/api-keys/${await keyIdOf(lonely.apiKey)}`, { apiKey: lonely.apiKey });
    expect(refused.body.error.code).toBe("last_active_key");
    expect(await auditOf(lonely.apiKey)).toEqual(before);
  });

  it("records a job's cancel, and each download of its export", async () => {
    // This service runs no workers: the job stays queued until canceled.
    const queued = await service.rest.post(
      "/v1/jobs",
      { manifest_url: "https://manifests.example.com/none.jsonl", label_spec: { question: "Q?", options: ["a", "b"] } },
      { apiKey: customer.apiKey },
    );
    expect((await service.rest.post(`/v1/jobs/${queued.body.job_id}/cancel`, undefined, { apiKey: customer.apiKey })).status).toBe(200);
    expect((await auditOf(customer.apiKey, "?action=job.canceled")).map((event) => event.target_id)).toEqual([queued.body.job_id]);

    const s3 = await startS3Server();
    const withWorkers = await startTestService({ env: { ROLE: "all", S3_ENDPOINT: s3.endpoint } });
    try {
      await s3.put("audit.jsonl", ['{"source":"one"}', '{"source":"two"}'].join("\n"));
      const owner = await registerCustomer(withWorkers.rest, "Exporting Co");
      const job = await withWorkers.rest.post(
        "/v1/jobs",
        {
          manifest_url: `s3://${s3.bucket}/audit.jsonl`,
          label_spec: { question: "Q?", options: ["a", "b"] },
          s3_credentials: { access_key_id: S3_ACCESS_KEY_ID, secret_access_key: S3_SECRET_ACCESS_KEY },
        },
        { apiKey: owner.apiKey },
      );
      await expect.poll(async () => (await withWorkers.rest.get(`/v1/jobs/${job.body.job_id}`, { apiKey: owner.apiKey })).body.status, { timeout: 30_000 }).toBe("completed");
      for (let i = 0; i < 2; i++) expect((await withWorkers.rest.get(`/v1/jobs/${job.body.job_id}/export`, { apiKey: owner.apiKey })).status).toBe(200);
      const downloads = (await withWorkers.rest.get("/v1/audit-events?action=export.downloaded", { apiKey: owner.apiKey })).body.data;
      expect(downloads.map((event: any) => [event.target_id, event.details.format])).toEqual([
        [job.body.job_id, "jsonl"],
        [job.body.job_id, "jsonl"],
      ]);
    } finally {
      await withWorkers.close();
      await s3.close();
    }
  });

  it("filters by actor, action and time, and pages with a cursor", async () => {
    const since = new Date().toISOString();
    for (let i = 0; i < 3; i++) {
      const hook = await service.rest.post("/v1/webhooks", { callback_url: `https://hooks.example.com/page-${i}` }, { apiKey: customer.apiKey });
      await service.rest.delete(`/v1/webhooks/${hook.body.webhook_id}`, { apiKey: customer.apiKey });
    }
    const recent = await auditOf(customer.apiKey, `?since=${encodeURIComponent(since)}`);
    expect(recent).toHaveLength(6);
    expect(await auditOf(customer.apiKey, `?since=${encodeURIComponent(since)}&action=webhook.created`)).toHaveLength(3);
    expect(await auditOf(customer.apiKey, `?until=${encodeURIComponent(since)}&action=webhook.created`)).toHaveLength(1);
    expect(await auditOf(customer.apiKey, `?actor_id=key_nobody`)).toEqual([]);
    expect((await auditOf(customer.apiKey, `?actor_id=${await keyIdOf(customer.apiKey)}&since=${encodeURIComponent(since)}`)).length).toBe(6);

    const first = await service.rest.get(`/v1/audit-events?limit=4&since=${encodeURIComponent(since)}`, { apiKey: customer.apiKey });
    const second = await service.rest.get(`/v1/audit-events?limit=4&since=${encodeURIComponent(since)}&cursor=${first.body.next_cursor}`, { apiKey: customer.apiKey });
    expect([...first.body.data, ...second.body.data].map((event: any) => event.id)).toEqual(recent.map((event) => event.id));
    expect(second.body.next_cursor).toBeNull();

    const graphql = await service.graphql(
      `query($since: DateTime) { auditEvents(first: 10, since: $since, action: "webhook.deleted") { edges { node { id action actorId targetId requestId } } } }`,
      { since },
      { apiKey: customer.apiKey },
    );
    expect(graphql.data.auditEvents.edges.map((edge: any) => edge.node.id)).toEqual(recent.filter((event) => event.action === "webhook.deleted").map((event) => event.id));

    for (const bad of ["?action=webhook.exploded", "?since=yesterday", "?limit=0"]) {
      const res = await service.rest.get(`/v1/audit-events${bad}`, { apiKey: customer.apiKey });
      expect(res.status, bad).toBe(400);
      expect(res.body.error.code).toBe("invalid_request");
    }
  });

  it("shows a customer only its own events, and a key only its environment's", async () => {
    const other = await registerCustomer(service.rest, "Other Co");
    const theirs = await auditOf(other.apiKey);
    expect(theirs.map((event) => event.action)).toEqual(["customer.registered"]);
    expect(theirs.every((event) => !JSON.stringify(event).includes(customer.customerId))).toBe(true);
    const sandboxEnvironments = new Set((await auditOf(customer.apiKey, "?limit=100")).map((event) => event.environment));
    expect([...sandboxEnvironments].sort()).toEqual(["account", "sandbox"]);
    const unauthenticated = await service.rest.get("/v1/audit-events");
    expect(unauthenticated.status).toBe(401);
  });

  it("is append-only: no route changes it, and the database refuses updates and deletes", async () => {
    for (const method of ["POST", "PUT", "PATCH", "DELETE"]) {
      const res = await service.rest.request(method, "/v1/audit-events", undefined, { apiKey: customer.apiKey });
      expect(res.status, method).toBe(405);
    }
    await expect(service.deps.prisma.$executeRaw`UPDATE audit_events SET action = 'x'`).rejects.toThrow(/append-only/);
    await expect(service.deps.prisma.$executeRaw`DELETE FROM audit_events`).rejects.toThrow(/append-only/);
    await expect(service.deps.prisma.$executeRaw`TRUNCATE audit_events`).rejects.toThrow(/append-only/);
    expect(await auditOf(customer.apiKey)).not.toEqual([]);
  });

  it("the operator's change is attributed to the operator over GraphQL too", async () => {
    const moved = await registerCustomer(service.rest, "Moved Co");
    const change = await service.graphql(
      `mutation($id: ID!) { setCustomerTier(customerId: $id, tier: LIVE, labelQuota: 10) { ... on MutationSetCustomerTierSuccess { data { liveApiKey } } } }`,
      { id: moved.customerId },
      { apiKey: TEST_ADMIN_TOKEN, headers: { "x-request-id": "operator-change-1" } },
    );
    const liveApiKey = change.data.setCustomerTier.data.liveApiKey;
    expect((await auditOf(liveApiKey))[0]).toMatchObject({ action: "customer.tier_changed", actor: { type: "operator" }, request_id: "operator-change-1" });
  });
});
