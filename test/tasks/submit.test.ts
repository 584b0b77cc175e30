import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestService, type TestService } from "../support/harness.js";
import { imageTask, registerCustomer, type Customer } from "../support/fixtures.js";

let service: TestService;
let acme: Customer;
let other: Customer;
beforeAll(async () => {
  service = await startTestService();
  acme = await registerCustomer(service.rest, "Acme");
  other = await registerCustomer(service.rest, "Other");
});
afterAll(() => service.close());

const VALID_TASKS: Record<string, Record<string, unknown>> = {
  image_classification: imageTask(),
  text_classification: { type: "text_classification", data: "great product", label_spec: { question: "Sentiment?", options: ["pos", "neg"] } },
  multi_label_classification: {
    type: "multi_label_classification",
    data_url: "https://example.com/t.txt",
    label_spec: { question: "Topics?", options: ["a", "b", "c"], min: 1, max: 2 },
  },
  bounding_box: { type: "bounding_box", data_url: "https://example.com/cars.jpg", label_spec: { question: "Cars?", classes: ["car"] } },
  named_entity: { type: "named_entity", data: "Ada lives in London", label_spec: { question: "Entities?", entity_types: ["PER", "LOC"] } },
};

describe("POST /v1/tasks", () => {
  it("accepts the documented example with 202 and the documented body", async () => {
    const res = await service.rest.post(
      "/v1/tasks",
      { type: "image_classification", data_url: "https://example.com/i.jpg", label_spec: { question: "Q?", options: ["a", "b"] } },
      { apiKey: acme.apiKey },
    );
    expect(res.status).toBe(202);
    expect(res.body).toEqual({
      task_id: expect.stringMatching(/^tsk_[0-9a-z]{26}$/),
      status: "pending",
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
  });

  it.each(Object.entries(VALID_TASKS))("accepts a valid %s task and returns it from GET /v1/tasks/{id}", async (type, body) => {
    const created = await service.rest.post("/v1/tasks", { ...body, metadata: { row: 7 }, priority: 9 }, { apiKey: acme.apiKey });
    expect(created.status).toBe(202);
    const res = await service.rest.get(`/v1/tasks/${created.body.task_id}`, { apiKey: acme.apiKey });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      task_id: created.body.task_id,
      status: "pending",
      task_type: type,
      data_url: (body.data_url as string) ?? null,
      label_spec: body.label_spec,
      metadata: { row: 7 },
      priority: 9,
      replication: 3,
      created_at: created.body.created_at,
    });
  });

  it.each([
    ["an unknown type", { ...imageTask(), type: "audio" }, "type"],
    ["a missing label_spec", { type: "image_classification", data_url: "https://e.com/a.jpg" }, "label_spec"],
    ["one option", imageTask({ label_spec: { question: "Q?", options: ["a"] } }), "label_spec.options"],
    ["51 options", imageTask({ label_spec: { question: "Q?", options: Array.from({ length: 51 }, (_, i) => `o${i}`) } }), "label_spec.options"],
    ["duplicate options", imageTask({ label_spec: { question: "Q?", options: ["a", "a"] } }), "label_spec.options"],
    ["an empty question", imageTask({ label_spec: { question: " ", options: ["a", "b"] } }), "label_spec.question"],
    ["an ftp data_url", imageTask({ data_url: "ftp://example.com/i.jpg" }), "data_url"],
    ["an over-long data_url", imageTask({ data_url: "https://e.com/" + "a".repeat(2100) }), "data_url"],
    ["no data_url for an image", { type: "image_classification", label_spec: { question: "Q", options: ["a", "b"] } }, "data_url"],
    ["both data and data_url for text", { ...VALID_TASKS.text_classification, data_url: "https://e.com/t.txt" }, "data"],
    ["multi-label min > max", { ...VALID_TASKS.multi_label_classification, label_spec: { question: "Q", options: ["a", "b"], min: 2, max: 1 } }, "label_spec.min"],
    ["no box classes", { ...VALID_TASKS.bounding_box, label_spec: { question: "Q", classes: [] } }, "label_spec.classes"],
    ["no entity types", { ...VALID_TASKS.named_entity, label_spec: { question: "Q" } }, "label_spec.entity_types"],
    ["metadata that is not an object", imageTask({ metadata: [1] }), "metadata"],
    ["a priority of 11", imageTask({ priority: 11 }), "priority"],
    ["replication above the sandbox cap", imageTask({ replication: 5 }), "replication"],
    ["a gold answer outside the options", imageTask({ gold_answer: { label: "c" } }), "gold_answer.label"],
    ["an unknown field", imageTask({ colour: "red" }), "(body)"],
    // The domain's own (camelCase) names are not part of the REST contract.
    ["a camelCase field name", { type: "image_classification", dataUrl: "https://e.com/a.jpg", label_spec: { question: "Q", options: ["a", "b"] } }, "(body)"],
  ])("rejects %s with 400 invalid_request at %s", async (_label, body, path) => {
    const before = await service.deps.prisma.task.count();
    const res = await service.rest.post("/v1/tasks", body, { apiKey: acme.apiKey });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("invalid_request");
    expect(res.body.error.errors.map((e: { path: string }) => e.path)).toContain(path);
    expect(await service.deps.prisma.task.count()).toBe(before);
  });

  it("requires a key", async () => {
    const res = await service.rest.post("/v1/tasks", imageTask());
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe("unauthorized");
  });

  it("names fields as documented in every error, messages included", async () => {
    const res = await service.rest.post("/v1/tasks", { type: "image_classification", data: "x", label_spec: { question: "Q", options: ["a", "b"] } }, { apiKey: acme.apiKey });
    expect(res.status).toBe(400);
    expect(res.body.error.errors).toEqual([
      { path: "data_url", message: "is required for image_classification" },
      { path: "data", message: "is not allowed for image_classification; use data_url" },
    ]);
    expect(res.body.error.message).toBe("data_url: is required for image_classification");
  });

  it("returns the existing task for a repeated external_id", async () => {
    const first = await service.rest.post("/v1/tasks", imageTask({ external_id: "row-1" }), { apiKey: acme.apiKey });
    const again = await service.rest.post("/v1/tasks", imageTask({ external_id: "row-1" }), { apiKey: acme.apiKey });
    expect(again.body.task_id).toBe(first.body.task_id);
    // Another customer's external_id space is separate.
    const theirs = await service.rest.post("/v1/tasks", imageTask({ external_id: "row-1" }), { apiKey: other.apiKey });
    expect(theirs.body.task_id).not.toBe(first.body.task_id);
  });

  it("does not bill gold tasks", async () => {
    const customer = await registerCustomer(service.rest);
    const res = await service.rest.post("/v1/tasks", imageTask({ gold_answer: { label: "a" } }), { apiKey: customer.apiKey });
    expect(res.status).toBe(202);
    const me = await service.rest.get("/v1/customers/me", { apiKey: customer.apiKey });
    expect(me.body.labels_used).toBe(0);
    expect((await service.rest.get(`/v1/tasks/${res.body.task_id}`, { apiKey: customer.apiKey })).body.gold).toBe(true);
  });
});

describe("GET /v1/tasks/{id} and /result", () => {
  it("answers 202 with the status while the task is not done", async () => {
    const created = await service.rest.post("/v1/tasks", imageTask(), { apiKey: acme.apiKey });
    const res = await service.rest.get(`/v1/tasks/${created.body.task_id}/result`, { apiKey: acme.apiKey });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ task_id: created.body.task_id, status: "pending", task_type: "image_classification" });
  });

  it("answers 200 with the documented result body once completed", async () => {
    const created = await service.rest.post("/v1/tasks", imageTask(), { apiKey: acme.apiKey });
    const completedAt = new Date("2026-04-09T12:00:00Z");
    await service.deps.prisma.task.update({
      where: { id: created.body.task_id },
      data: { status: "completed", result: { label: "a" }, confidence: 0.93, judgmentCount: 3, completedAt },
    });
    const res = await service.rest.get(`/v1/tasks/${created.body.task_id}/result`, { apiKey: acme.apiKey });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      task_id: created.body.task_id,
      status: "completed",
      task_type: "image_classification",
      result: { label: "a" },
      confidence: 0.93,
      judgments: 3,
      completed_at: "2026-04-09T12:00:00.000Z",
      aggregation: null,
    });
  });

  it("answers 404 for unknown ids and for another customer's task (never 403)", async () => {
    const created = await service.rest.post("/v1/tasks", imageTask(), { apiKey: acme.apiKey });
    for (const path of [`/v1/tasks/${created.body.task_id}`, `/v1/tasks/${created.body.task_id}/result`]) {
      const res = await service.rest.get(path, { apiKey: other.apiKey });
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe("not_found");
    }
    const cancel = await service.rest.post(`/v1/tasks/${created.body.task_id}/cancel`, undefined, { apiKey: other.apiKey });
    expect(cancel.status).toBe(404);
    expect((await service.rest.get("/v1/tasks/tsk_nope", { apiKey: acme.apiKey })).status).toBe(404);
  });
});

describe("POST /v1/tasks/{id}/cancel", () => {
  it("cancels a pending task once and returns its label to the quota", async () => {
    const customer = await registerCustomer(service.rest);
    const created = await service.rest.post("/v1/tasks", imageTask(), { apiKey: customer.apiKey });
    expect((await service.rest.get("/v1/customers/me", { apiKey: customer.apiKey })).body.labels_used).toBe(1);
    const res = await service.rest.post(`/v1/tasks/${created.body.task_id}/cancel`, undefined, { apiKey: customer.apiKey });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ task_id: created.body.task_id, status: "canceled" });
    expect((await service.rest.get("/v1/customers/me", { apiKey: customer.apiKey })).body.labels_used).toBe(0);
    const again = await service.rest.post(`/v1/tasks/${created.body.task_id}/cancel`, undefined, { apiKey: customer.apiKey });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("task_not_cancelable");
  });
});
