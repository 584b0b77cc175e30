import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestService, type TestService } from "../support/harness.js";
import { imageTask, registerCustomer } from "../support/fixtures.js";

let service: TestService;
beforeAll(async () => {
  service = await startTestService();
});
afterAll(() => service.close());

const labelsUsed = async (apiKey: string) => (await service.rest.get("/v1/customers/me", { apiKey })).body.labels_used;

describe("POST /v1/tasks/batch", () => {
  it("accepts the documented example with 202 and the documented body", async () => {
    const { apiKey } = await registerCustomer(service.rest);
    const res = await service.rest.post(
      "/v1/tasks/batch",
      { tasks: [{ type: "image_classification", data_url: "https://ex.com/a.jpg", label_spec: { question: "Q?", options: ["a", "b"] } }] },
      { apiKey },
    );
    expect(res.status).toBe(202);
    expect(res.body).toEqual({
      batch_id: expect.stringMatching(/^bat_[0-9a-z]{26}$/),
      task_count: 1,
      status: "accepted",
      task_ids: [expect.stringMatching(/^tsk_/)],
    });
    const batch = await service.rest.get(`/v1/batches/${res.body.batch_id}`, { apiKey });
    expect(batch.body).toMatchObject({ batch_id: res.body.batch_id, task_count: 1, counts: { pending: 1, completed: 0 } });
  });

  it("is all-or-nothing: one bad task rejects the batch, listing each bad index", async () => {
    const { apiKey } = await registerCustomer(service.rest);
    const res = await service.rest.post(
      "/v1/tasks/batch",
      { tasks: [imageTask(), imageTask({ data_url: "nope" }), imageTask(), imageTask({ label_spec: { question: "Q", options: [] } })] },
      { apiKey },
    );
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("invalid_request");
    expect(res.body.error.message).toMatch(/2 of 4 tasks are invalid/);
    expect(res.body.error.errors.map((e: { path: string }) => e.path)).toEqual(["tasks[1].data_url", "tasks[3].label_spec.options"]);
    expect(await labelsUsed(apiKey)).toBe(0);
    expect(await service.deps.prisma.batch.count({ where: { customer: { apiKeys: { some: {} } }, taskCount: 4 } })).toBe(0);
  });

  it("flags an external_id repeated within the batch", async () => {
    const { apiKey } = await registerCustomer(service.rest);
    const res = await service.rest.post(
      "/v1/tasks/batch",
      { tasks: [imageTask({ external_id: "x" }), imageTask({ external_id: "x" })] },
      { apiKey },
    );
    expect(res.status).toBe(400);
    expect(res.body.error.errors).toEqual([{ path: "tasks[1].external_id", message: "repeats tasks[0].external_id" }]);
  });

  it("skips tasks whose external_id already exists, and says how many", async () => {
    const { apiKey } = await registerCustomer(service.rest);
    await service.rest.post("/v1/tasks", imageTask({ external_id: "r1" }), { apiKey });
    const res = await service.rest.post("/v1/tasks/batch", { tasks: [imageTask({ external_id: "r1" }), imageTask({ external_id: "r2" })] }, { apiKey });
    expect(res.body).toMatchObject({ task_count: 1, duplicate_count: 1 });
    expect(await labelsUsed(apiKey)).toBe(2);
  });

  it("refuses an empty batch and one over 10,000 tasks with clear codes", async () => {
    const { apiKey } = await registerCustomer(service.rest);
    const empty = await service.rest.post("/v1/tasks/batch", { tasks: [] }, { apiKey });
    expect(empty.status).toBe(400);
    expect(empty.body.error.code).toBe("invalid_request");
    const tooMany = await service.rest.post("/v1/tasks/batch", { tasks: Array.from({ length: 10_001 }, () => ({ type: "x" })) }, { apiKey });
    expect(tooMany.status).toBe(413);
    expect(tooMany.body.error).toMatchObject({ code: "batch_too_large", max_batch_size: 10_000 });
  });

  it("answers another customer's batch with 404", async () => {
    const a = await registerCustomer(service.rest);
    const b = await registerCustomer(service.rest);
    const res = await service.rest.post("/v1/tasks/batch", { tasks: [imageTask()] }, { apiKey: a.apiKey });
    expect((await service.rest.get(`/v1/batches/${res.body.batch_id}`, { apiKey: b.apiKey })).status).toBe(404);
  });
});

describe("the sandbox quota", () => {
  it("refuses submissions past 500 labels with 402 quota_exceeded and the remaining count", async () => {
    const { apiKey } = await registerCustomer(service.rest);
    const batch = await service.rest.post("/v1/tasks/batch", { tasks: Array.from({ length: 498 }, () => imageTask()) }, { apiKey });
    expect(batch.status).toBe(202);
    const over = await service.rest.post("/v1/tasks/batch", { tasks: [imageTask(), imageTask(), imageTask()] }, { apiKey });
    expect(over.status).toBe(402);
    expect(over.body.error).toMatchObject({ code: "quota_exceeded", remaining: 2, requested: 3 });
    expect((await service.rest.post("/v1/tasks", imageTask(), { apiKey })).status).toBe(202);
    expect((await service.rest.post("/v1/tasks", imageTask(), { apiKey })).status).toBe(202);
    const last = await service.rest.post("/v1/tasks", imageTask(), { apiKey });
    expect(last.status).toBe(402);
    expect(last.body.error.remaining).toBe(0);
    expect(await labelsUsed(apiKey)).toBe(500);
  });

  it("is never oversold by 20 parallel batches", async () => {
    const { apiKey, customerId } = await registerCustomer(service.rest);
    const responses = await Promise.all(
      Array.from({ length: 20 }, () =>
        service.rest.post("/v1/tasks/batch", { tasks: Array.from({ length: 30 }, () => imageTask()) }, { apiKey }),
      ),
    );
    const accepted = responses.filter((r) => r.status === 202).length;
    const refused = responses.filter((r) => r.status === 402).length;
    expect(accepted + refused).toBe(20);
    expect(accepted).toBe(16); // 16 × 30 = 480 ≤ 500 < 510
    const created = await service.deps.prisma.task.count({ where: { customerId } });
    expect(created).toBe(480);
    expect(await labelsUsed(apiKey)).toBe(480);
    // A refused batch leaves nothing behind: no batch, no task.
    expect(await service.deps.prisma.batch.count({ where: { customerId } })).toBe(16);
  });
});

describe("Idempotency-Key", () => {
  it("replays the original response for the same key and body", async () => {
    const { apiKey, customerId } = await registerCustomer(service.rest);
    const headers = { "idempotency-key": "retry-after-gateway-500" };
    const first = await service.rest.post("/v1/tasks", imageTask(), { apiKey, headers });
    const second = await service.rest.post("/v1/tasks", imageTask(), { apiKey, headers });
    expect(second.status).toBe(202);
    expect(second.body).toEqual(first.body);
    expect(first.headers.get("idempotent-replayed")).toBe("false");
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect(await service.deps.prisma.task.count({ where: { customerId } })).toBe(1);
  });

  it("refuses the same key with a different body with 422", async () => {
    const { apiKey } = await registerCustomer(service.rest);
    const headers = { "idempotency-key": "k-1" };
    await service.rest.post("/v1/tasks", imageTask(), { apiKey, headers });
    const res = await service.rest.post("/v1/tasks", imageTask({ priority: 1 }), { apiKey, headers });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("idempotency_key_reused");
  });

  it("keeps keys per customer", async () => {
    const a = await registerCustomer(service.rest);
    const b = await registerCustomer(service.rest);
    const headers = { "idempotency-key": "shared" };
    const first = await service.rest.post("/v1/tasks", imageTask(), { apiKey: a.apiKey, headers });
    const second = await service.rest.post("/v1/tasks", imageTask(), { apiKey: b.apiKey, headers });
    expect(second.body.task_id).not.toBe(first.body.task_id);
  });

  it("gives a concurrent duplicate 409 and creates one task", async () => {
    const { apiKey, customerId } = await registerCustomer(service.rest);
    const headers = { "idempotency-key": "parallel" };
    const body = { tasks: Array.from({ length: 200 }, () => imageTask()) };
    const responses = await Promise.all(Array.from({ length: 5 }, () => service.rest.post("/v1/tasks/batch", body, { apiKey, headers })));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 202).length).toBeGreaterThanOrEqual(1);
    expect(statuses.every((s) => s === 202 || s === 409)).toBe(true);
    for (const r of responses.filter((r) => r.status === 409)) expect(r.body.error.code).toBe("idempotency_request_in_progress");
    const batchIds = new Set(responses.filter((r) => r.status === 202).map((r) => r.body.batch_id));
    expect(batchIds.size).toBe(1);
    expect(await service.deps.prisma.task.count({ where: { customerId } })).toBe(200);
  });

  it("does not store failures: a corrected retry with the same key succeeds", async () => {
    const { apiKey } = await registerCustomer(service.rest);
    const headers = { "idempotency-key": "fix-and-retry" };
    const bad = await service.rest.post("/v1/tasks", imageTask({ data_url: "nope" }), { apiKey, headers });
    expect(bad.status).toBe(400);
    const good = await service.rest.post("/v1/tasks", imageTask(), { apiKey, headers });
    expect(good.status).toBe(202);
  });

  it("replays a registration without creating a second customer or showing its API key again", async () => {
    const headers = { "idempotency-key": "register-once" };
    const body = { name: "Once", email: "once@example.com" };
    const first = await service.rest.post("/v1/customers", body, { headers });
    const second = await service.rest.post("/v1/customers", body, { headers });
    expect(second.status).toBe(201);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    const { api_key: shownOnce, ...rest } = first.body;
    expect(second.body).toEqual({ ...rest, message: expect.stringMatching(/shown only in that response/) });
    expect(second.text).not.toContain(shownOnce);
    expect(await service.deps.prisma.customer.count({ where: { email: "once@example.com" } })).toBe(1);
    // The key is not even kept, encrypted or not.
    const record = await service.deps.prisma.idempotencyRecord.findFirstOrThrow({ where: { key: "register-once" } });
    expect(JSON.stringify(record.responseBody)).not.toContain(shownOnce);
  });
});
