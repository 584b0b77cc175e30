import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Webhook as StandardWebhook } from "standardwebhooks";
import { startTestService, type TestService } from "../support/harness.js";
import { imageTask, registerCustomer, type Customer } from "../support/fixtures.js";
import { startReceiver, type Receiver } from "../support/receiver.js";
import { recordEvent } from "../../src/domain/webhooks/index.js";

const SECRET = "whsec_" + Buffer.from("0123456789abcdef0123456789abcdef").toString("base64");

let service: TestService;
const receivers: Receiver[] = [];
beforeAll(async () => {
  // Sandbox tasks complete by themselves; retries come quickly.
  service = await startTestService({ env: { ROLE: "all", WEBHOOK_RETRY_SCHEDULE: "300ms,300ms,300ms", WEBHOOK_TIMEOUT_MS: "1000" } });
});
afterAll(async () => {
  await service.close();
  await Promise.all(receivers.map((r) => r.close()));
});

async function receiver(fallback: Parameters<typeof startReceiver>[0] = 200) {
  const r = await startReceiver(fallback);
  receivers.push(r);
  return r;
}

async function register(customer: Customer, url: string, extra: Record<string, unknown> = {}) {
  const res = await service.rest.post("/v1/webhooks", { callback_url: url, secret: SECRET, ...extra }, { apiKey: customer.apiKey });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.webhook_id as string;
}

describe("webhook API", () => {
  it("registers, lists (never the secret) and deletes, per customer", async () => {
    const customer = await registerCustomer(service.rest);
    const other = await registerCustomer(service.rest);
    const created = await service.rest.post(
      "/v1/webhooks",
      { callback_url: "https://example.com/hook", secret: "whsec_xxx" },
      { apiKey: customer.apiKey },
    );
    expect(created.status).toBe(400);
    expect(created.body.error.errors[0].path).toBe("secret");

    const r = await receiver();
    const id = await register(customer, r.url, { events: ["task.completed"] });
    expect(id).toMatch(/^whk_/);
    const list = await service.rest.get("/v1/webhooks", { apiKey: customer.apiKey });
    expect(list.body.data).toEqual([expect.objectContaining({ webhook_id: id, callback_url: r.url, events: ["task.completed"], status: "active" })]);
    expect(list.text).not.toContain(SECRET.slice(6));
    expect((await service.rest.get("/v1/webhooks", { apiKey: other.apiKey })).body.data).toEqual([]);
    expect((await service.rest.delete(`/v1/webhooks/${id}`, { apiKey: other.apiKey })).status).toBe(404);
    expect((await service.rest.delete(`/v1/webhooks/${id}`, { apiKey: customer.apiKey })).status).toBe(204);
    expect((await service.rest.get("/v1/webhooks", { apiKey: customer.apiKey })).body.data).toEqual([]);
  });

  it("generates a secret, shown once, when none is given; stores secrets encrypted", async () => {
    const customer = await registerCustomer(service.rest);
    const r = await receiver();
    const res = await service.rest.post("/v1/webhooks", { callback_url: r.url }, { apiKey: customer.apiKey });
    expect(res.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    const stored = await service.deps.prisma.webhook.findUniqueOrThrow({ where: { id: res.body.webhook_id } });
    expect(stored.secretSealed).not.toContain(res.body.secret.slice(6));
  });

  it("rotates a secret: later deliveries verify with the new one only", async () => {
    const customer = await registerCustomer(service.rest);
    const r = await receiver();
    const id = await register(customer, r.url, { events: ["task.completed"] });
    const rotated = await service.graphql(
      `mutation($id: ID!) { rotateWebhookSecret(id: $id) { ... on MutationRotateWebhookSecretSuccess { data { secret } } } }`,
      { id },
      { apiKey: customer.apiKey },
    );
    const secret = rotated.data.rotateWebhookSecret.data.secret;
    expect(secret).toMatch(/^whsec_/);
    expect(secret).not.toBe(SECRET);
    await service.rest.post("/v1/tasks", imageTask(), { apiKey: customer.apiKey });
    const [request] = await r.waitFor(1);
    const headers = request.headers as Record<string, string>;
    expect(() => new StandardWebhook(secret).verify(request.body, headers)).not.toThrow();
    expect(() => new StandardWebhook(SECRET).verify(request.body, headers)).toThrow();
  });

  it.each([
    ["ftp://example.com/hook", "callback_url"],
    ["https://user:pass@example.com/hook", "callback_url"],
    ["https://example.com/" + "a".repeat(2100), "callback_url"],
  ])("refuses %s with 400", async (url, path) => {
    const customer = await registerCustomer(service.rest);
    const res = await service.rest.post("/v1/webhooks", { callback_url: url, secret: SECRET }, { apiKey: customer.apiKey });
    expect(res.status).toBe(400);
    expect(res.body.error.errors[0].path).toBe(path);
  });
});

describe("delivery", () => {
  it("signs each event so that standardwebhooks verifies it; the payload is the REST body", async () => {
    const customer = await registerCustomer(service.rest);
    const r = await receiver();
    await register(customer, r.url);
    const task = await service.rest.post("/v1/tasks", imageTask(), { apiKey: customer.apiKey });
    const [request] = await r.waitFor(1);
    const verified = new StandardWebhook(SECRET).verify(request.body, request.headers as Record<string, string>) as any;
    expect(verified.type).toBe("task.completed");
    expect(verified.created_at).toMatch(/Z$/);
    const result = await service.rest.get(`/v1/tasks/${task.body.task_id}/result`, { apiKey: customer.apiKey });
    expect(verified.data).toEqual(result.body);
    expect(request.headers["webhook-id"]).toMatch(/^evt_/);
    expect(() => new StandardWebhook(SECRET).verify(request.body.replace("completed", "failed"), request.headers as Record<string, string>)).toThrow();
  });

  it("retries a receiver that is down, then succeeds once, with the same webhook-id", async () => {
    const customer = await registerCustomer(service.rest);
    const r = await receiver();
    r.script(503, 500);
    const id = await register(customer, r.url, { events: ["task.completed"] });
    await service.rest.post("/v1/tasks", imageTask(), { apiKey: customer.apiKey });
    const requests = await r.waitFor(3);
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(r.received).toHaveLength(3);
    expect(new Set(requests.map((q) => q.headers["webhook-id"])).size).toBe(1);
    expect(requests[1].at - requests[0].at).toBeGreaterThanOrEqual(250);
    const view = await service.graphql(
      `query($id: ID!) { webhook(id: $id) { failingSince deliveries { status attempts attemptLog { attemptNumber statusCode error } } } }`,
      { id },
      { apiKey: customer.apiKey },
    );
    const [delivery] = view.data.webhook.deliveries;
    expect(delivery).toMatchObject({ status: "SUCCEEDED", attempts: 3 });
    expect(delivery.attemptLog.map((a: any) => a.statusCode)).toEqual([503, 500, 200]);
    expect(view.data.webhook.failingSince).toBeNull();
  });

  it("marks a delivery failed after the last retry and flags the endpoint", async () => {
    const customer = await registerCustomer(service.rest);
    const r = await receiver(500);
    const id = await register(customer, r.url, { events: ["task.completed"] });
    await service.rest.post("/v1/tasks", imageTask(), { apiKey: customer.apiKey });
    await r.waitFor(4);
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(r.received).toHaveLength(4); // the first attempt and 3 retries
    const delivery = await service.deps.prisma.webhookDelivery.findFirstOrThrow({ where: { webhookId: id } });
    expect(delivery).toMatchObject({ status: "failed", attempts: 4 });
    const webhook = (await service.rest.get("/v1/webhooks", { apiKey: customer.apiKey })).body.data[0];
    expect(webhook.failing_since).not.toBeNull();

    // Redelivery queues the same event again.
    r.fallback = 200;
    const again = await service.graphql(`mutation($id: ID!) { redeliver(deliveryId: $id) { ... on MutationRedeliverSuccess { data { id eventId } } } }`, { id: delivery.id }, { apiKey: customer.apiKey });
    expect(again.data.redeliver.data.eventId).toBe(delivery.eventId);
    await r.waitFor(5);
    expect(r.received[4].headers["webhook-id"]).toBe(delivery.eventId);
  });

  it("disables an endpoint that answers 410 Gone", async () => {
    const customer = await registerCustomer(service.rest);
    const r = await receiver(410);
    const id = await register(customer, r.url);
    await service.rest.post("/v1/tasks", imageTask(), { apiKey: customer.apiKey });
    await r.waitFor(1);
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(r.received).toHaveLength(1);
    const webhook = (await service.rest.get("/v1/webhooks", { apiKey: customer.apiKey })).body.data.find((w: any) => w.webhook_id === id);
    expect(webhook).toMatchObject({ status: "disabled", disabled_reason: expect.stringMatching(/410/) });
  });

  it("delivers a task's completion to its callback_url, signed with the customer's callback secret", async () => {
    const customer = await registerCustomer(service.rest);
    const r = await receiver();
    const task = await service.rest.post("/v1/tasks", imageTask({ callback_url: r.url }), { apiKey: customer.apiKey });
    const [request] = await r.waitFor(1);
    const { callback_secret } = (await service.rest.get("/v1/customers/me", { apiKey: customer.apiKey })).body;
    expect(callback_secret).toMatch(/^whsec_/);
    const verified = new StandardWebhook(callback_secret).verify(request.body, request.headers as Record<string, string>) as any;
    expect(verified).toMatchObject({ type: "task.completed", data: { task_id: task.body.task_id, status: "completed" } });
    const other = await registerCustomer(service.rest);
    const theirs = (await service.rest.get("/v1/customers/me", { apiKey: other.apiKey })).body.callback_secret;
    expect(theirs).not.toBe(callback_secret);
  });

  it("never sends one customer's events to another's endpoint", async () => {
    const a = await registerCustomer(service.rest);
    const b = await registerCustomer(service.rest);
    const ra = await receiver();
    const rb = await receiver();
    await register(a, ra.url, { events: ["task.completed"] });
    await register(b, rb.url, { events: ["task.completed"] });
    const task = await service.rest.post("/v1/tasks", imageTask(), { apiKey: a.apiKey });
    await ra.waitFor(1);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(rb.received).toHaveLength(0);
    expect(JSON.parse(ra.received[0].body).data.task_id).toBe(task.body.task_id);
  });

  it("delivers a burst one at a time per endpoint, over one kept-alive connection, each event once", async () => {
    const customer = await registerCustomer(service.rest);
    const endpoints = [await receiver(), await receiver()];
    for (const r of endpoints) {
      r.answerDelayMs = 20; // long enough for a second request to the same endpoint to overlap, were one sent
      await register(customer, r.url);
    }
    const EVENTS = 25;
    // All due at once: the deliverer claims them in batches.
    await service.deps.prisma.$transaction(async (tx) => {
      for (let i = 0; i < EVENTS; i++) await recordEvent(tx, { customerId: customer.customerId, environment: "sandbox" }, "task.completed", { n: i });
    });
    for (const r of endpoints) {
      const received = await r.waitFor(EVENTS);
      await new Promise((resolve) => setTimeout(resolve, 200)); // nothing more arrives
      expect(received).toHaveLength(EVENTS);
      expect(new Set(received.map((request) => request.headers["webhook-id"])).size).toBe(EVENTS);
      expect(received.map((request) => JSON.parse(request.body).data.n).sort((a, b) => a - b)).toEqual([...Array(EVENTS).keys()]);
      expect(r.maxInFlight).toBe(1);
      expect(new Set(received.map((request) => request.connection)).size).toBe(1);
    }
  });

  it("does not let a hanging receiver delay a healthy one", async () => {
    const slow = await registerCustomer(service.rest);
    const fast = await registerCustomer(service.rest);
    const hanging = await receiver("hang");
    const healthy = await receiver();
    await register(slow, hanging.url, { events: ["task.completed"] });
    await register(fast, healthy.url, { events: ["task.completed"] });
    await service.rest.post("/v1/tasks/batch", { tasks: [imageTask(), imageTask(), imageTask()] }, { apiKey: slow.apiKey });
    await hanging.waitFor(1);
    const started = Date.now();
    await service.rest.post("/v1/tasks", imageTask(), { apiKey: fast.apiKey });
    await healthy.waitFor(1);
    // Delivered while the hanging endpoint holds its slot (its timeout is 1 s per attempt).
    expect(hanging.received.length).toBeLessThanOrEqual(2);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
