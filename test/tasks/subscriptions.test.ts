import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestService, type TestService } from "../support/harness.js";
import { imageTask, registerCustomer, type Customer } from "../support/fixtures.js";
import { subscribe, wsClient } from "../support/ws.js";
import { subscribeToTaskStatus, subscribeToTaskUpdates } from "../../src/domain/tasks/index.js";
import { followJob } from "../../src/domain/jobs/index.js";
import type { CustomerActor } from "../../src/domain/shared/index.js";

let service: TestService;
let acme: Customer;
let other: Customer;
beforeAll(async () => {
  service = await startTestService();
  acme = await registerCustomer(service.rest, "Acme");
  other = await registerCustomer(service.rest, "Other");
});
afterAll(() => service.close());

const TASK_STATUS = `subscription($taskId: ID!) { taskStatusChanged(taskId: $taskId) { id status } }`;
const TASK_UPDATES = `subscription($batchId: ID) { taskUpdates(batchId: $batchId) { task { id status } batch { id counts { pending canceled } } } }`;

describe("graphql-ws subscriptions", () => {
  it("delivers a status change caused by a REST call, then completes", async () => {
    const created = await service.rest.post("/v1/tasks", imageTask(), { apiKey: acme.apiKey });
    const client = wsClient(service.url, { authorization: `Bearer ${acme.apiKey}` });
    try {
      const sub = await subscribe(client, TASK_STATUS, { taskId: created.body.task_id });
      // The task's status now comes first.
      expect(await sub.next()).toEqual({ taskStatusChanged: { id: created.body.task_id, status: "PENDING" } });
      await service.rest.post(`/v1/tasks/${created.body.task_id}/cancel`, undefined, { apiKey: acme.apiKey });
      expect(await sub.next()).toEqual({ taskStatusChanged: { id: created.body.task_id, status: "CANCELED" } });
    } finally {
      await client.dispose();
    }
  });

  it("answers a subscriber that came after the task ended with its final status at once, then completes", async () => {
    const created = await service.rest.post("/v1/tasks", imageTask(), { apiKey: acme.apiKey });
    await service.rest.post(`/v1/tasks/${created.body.task_id}/cancel`, undefined, { apiKey: acme.apiKey });
    const client = wsClient(service.url, { authorization: `Bearer ${acme.apiKey}` });
    try {
      const sub = await subscribe(client, TASK_STATUS, { taskId: created.body.task_id });
      expect(await sub.next()).toEqual({ taskStatusChanged: { id: created.body.task_id, status: "CANCELED" } });
      await expect.poll(() => sub.completed).toBe(true);
      expect(sub.received).toHaveLength(1);
    } finally {
      await client.dispose();
    }
  });

  it("streams only the caller's own tasks, and only the batch asked for", async () => {
    const mine = await service.rest.post("/v1/tasks/batch", { tasks: [imageTask(), imageTask()] }, { apiKey: acme.apiKey });
    const client = wsClient(service.url, { authorization: acme.apiKey });
    const otherClient = wsClient(service.url, { authorization: other.apiKey });
    try {
      const batchSub = await subscribe(client, TASK_UPDATES, { batchId: mine.body.batch_id });
      const otherSub = await subscribe(otherClient, TASK_UPDATES, {});
      // Noise: a task of the same customer outside the batch, and the other customer's own.
      const outside = await service.rest.post("/v1/tasks", imageTask(), { apiKey: acme.apiKey });
      await service.rest.post(`/v1/tasks/${outside.body.task_id}/cancel`, undefined, { apiKey: acme.apiKey });
      const tasks = await service.deps.prisma.task.findMany({ where: { batchId: mine.body.batch_id } });
      await service.rest.post(`/v1/tasks/${tasks[0].id}/cancel`, undefined, { apiKey: acme.apiKey });
      // The batch's counts come first, then the change with the counts after it.
      expect((await batchSub.next()).taskUpdates).toEqual({ task: null, batch: { id: mine.body.batch_id, counts: { pending: 2, canceled: 0 } } });
      expect((await batchSub.next()).taskUpdates).toEqual({
        task: { id: tasks[0].id, status: "CANCELED" },
        batch: { id: mine.body.batch_id, counts: { pending: 1, canceled: 1 } },
      });
      const theirs = await service.rest.post("/v1/tasks", imageTask(), { apiKey: other.apiKey });
      expect((await otherSub.next()).taskUpdates.task.id).toBe(theirs.body.task_id);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(batchSub.received).toHaveLength(2);
      expect(otherSub.received.map((e) => e.taskUpdates.task.id)).toEqual([theirs.body.task_id]);
    } finally {
      await client.dispose();
      await otherClient.dispose();
    }
  });

  it("ends with the batch's final counts when the subscriber starts while its tasks are changing", async () => {
    const batch = await service.rest.post("/v1/tasks/batch", { tasks: Array.from({ length: 20 }, () => imageTask()) }, { apiKey: acme.apiKey });
    const tasks = await service.deps.prisma.task.findMany({ where: { batchId: batch.body.batch_id } });
    const client = wsClient(service.url, { authorization: acme.apiKey });
    try {
      // Cancels race the subscription's start: each lands before the snapshot, or after it and in the stream.
      const canceling = Promise.all(tasks.map((task) => service.rest.post(`/v1/tasks/${task.id}/cancel`, undefined, { apiKey: acme.apiKey })));
      const sub = await subscribe(client, TASK_UPDATES, { batchId: batch.body.batch_id });
      await canceling;
      let update = (await sub.next()).taskUpdates;
      expect(update.task).toBeNull();
      while (update.batch.counts.canceled < 20) update = (await sub.next()).taskUpdates;
      expect(update.batch.counts).toEqual({ pending: 0, canceled: 20 });
    } finally {
      await client.dispose();
    }
  });

  it("refuses to subscribe to another customer's task or batch (not_found) and anonymous callers (unauthorized)", async () => {
    const created = await service.rest.post("/v1/tasks", imageTask(), { apiKey: acme.apiKey });
    const batch = await service.rest.post("/v1/tasks/batch", { tasks: [imageTask()] }, { apiKey: acme.apiKey });
    const client = wsClient(service.url, { authorization: other.apiKey });
    const anonymous = wsClient(service.url);
    try {
      const sub = await subscribe(client, TASK_STATUS, { taskId: created.body.task_id });
      expect((await sub.next()).errors[0].extensions.code).toBe("not_found");
      const batchSub = await subscribe(client, TASK_UPDATES, { batchId: batch.body.batch_id });
      expect((await batchSub.next()).errors[0].extensions.code).toBe("not_found");
      const anonSub = await subscribe(anonymous, TASK_UPDATES, {});
      expect((await anonSub.next()).errors[0].extensions.code).toBe("unauthorized");
    } finally {
      await client.dispose();
      await anonymous.dispose();
    }
  });
});

describe("GraphQL over SSE", () => {
  it("streams a status change to an EventSource-style client", async () => {
    const created = await service.rest.post("/v1/tasks", imageTask(), { apiKey: acme.apiKey });
    const controller = new AbortController();
    const response = await fetch(`${service.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream", authorization: `Bearer ${acme.apiKey}` },
      body: JSON.stringify({ query: TASK_STATUS, variables: { taskId: created.body.task_id } }),
      signal: controller.signal,
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/text\/event-stream/);
    const reader = response.body!.getReader();
    setTimeout(() => service.rest.post(`/v1/tasks/${created.body.task_id}/cancel`, undefined, { apiKey: acme.apiKey }), 200);
    let text = "";
    while (!text.includes("CANCELED")) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    controller.abort();
    expect(text).toContain(`"taskStatusChanged":{"id":"${created.body.task_id}","status":"CANCELED"}`);
  });
});

describe("subscriptions of a revoked key", () => {
  /** A subscription over SSE; `text` grows with what the server sends until it ends the stream. */
  async function sseSubscription(apiKey: string, query: string) {
    const response = await fetch(`${service.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream", authorization: `Bearer ${apiKey}` },
      body: JSON.stringify({ query }),
      signal: AbortSignal.timeout(20_000),
    });
    const stream = { text: "", ended: false };
    void (async () => {
      const reader = response.body!.getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        stream.text += new TextDecoder().decode(value);
      }
      stream.ended = true;
    })().catch(() => {});
    return stream;
  }

  it("end with unauthorized (revoked) at their next event, over graphql-ws and SSE, and send it nothing; another key's go on", async () => {
    const customer = await registerCustomer(service.rest, "Revoking");
    const spare = await service.rest.post("/v1/api-keys", {}, { apiKey: customer.apiKey });
    const [doomedKey] = (await service.rest.get("/v1/api-keys", { apiKey: customer.apiKey })).body.data.filter(
      (key: { key_id: string }) => key.key_id !== spare.body.key_id,
    );
    const doomed = wsClient(service.url, { authorization: `Bearer ${customer.apiKey}` });
    const kept = wsClient(service.url, { authorization: `Bearer ${spare.body.api_key}` });
    try {
      const doomedSub = await subscribe(doomed, TASK_UPDATES, {});
      const keptSub = await subscribe(kept, TASK_UPDATES, {});
      const doomedStream = await sseSubscription(customer.apiKey, "subscription { taskUpdates { task { id status } } }");
      expect((await service.rest.delete(`/v1/api-keys/${doomedKey.key_id}`, { apiKey: spare.body.api_key })).status).toBe(200);

      const created = await service.rest.post("/v1/tasks", imageTask(), { apiKey: spare.body.api_key });
      expect((await keptSub.next()).taskUpdates.task.id).toBe(created.body.task_id);
      const refused = await doomedSub.next();
      expect(refused.errors[0].extensions).toEqual({ code: "unauthorized", reason: "revoked" });
      await expect.poll(() => doomedSub.completed).toBe(true);
      expect(JSON.stringify(doomedSub.received)).not.toContain(created.body.task_id);
      await expect.poll(() => doomedStream.ended, { timeout: 10_000 }).toBe(true);
      expect(doomedStream.text).toContain('"reason":"revoked"');
      expect(doomedStream.text).not.toContain(created.body.task_id);
    } finally {
      await doomed.dispose();
      await kept.dispose();
    }
  });
});

describe("a subscriber that leaves", () => {
  /** A customer with a pending task and a queued job (this service runs no workers): nothing of theirs changes unless a test changes it. */
  async function quietCustomer() {
    const customer = await registerCustomer(service.rest, "Quiet");
    const task = await service.rest.post("/v1/tasks", imageTask(), { apiKey: customer.apiKey });
    const job = await service.rest.post(
      "/v1/jobs",
      { manifest_url: "s3://never-read/manifest.jsonl", label_spec: { question: "Q?", options: ["a", "b"] }, s3_credentials: { access_key_id: "x", secret_access_key: "y", region: "us-east-1" } },
      { apiKey: customer.apiKey },
    );
    expect(job.status).toBe(202);
    return { ...customer, taskId: task.body.task_id as string, jobId: job.body.job_id as string };
  }

  it("is let go at once, not at its customer's next event (taskStatusChanged, taskUpdates, jobProgress)", async () => {
    const quiet = await quietCustomer();
    const actor: CustomerActor = { kind: "customer", customerId: quiet.customerId, environment: "sandbox" };
    const streams = {
      taskStatusChanged: { stream: await subscribeToTaskStatus(service.deps, actor, quiet.taskId), startsWithNow: true },
      taskUpdates: { stream: await subscribeToTaskUpdates(service.deps, actor), startsWithNow: false },
      jobProgress: { stream: await followJob(service.deps, actor, quiet.jobId), startsWithNow: true },
    };
    for (const [name, { stream, startsWithNow }] of Object.entries(streams)) {
      const events = stream[Symbol.asyncIterator]();
      if (startsWithNow) expect((await events.next()).done, name).toBe(false);
      // Waits for a change that does not come; the subscriber leaves meanwhile (what graphql-ws and SSE do when a client goes).
      const waiting = events.next();
      const leaving = events.return!().then(() => "let go");
      expect(await Promise.race([leaving, sleep(5_000).then(() => "still held")]), name).toBe("let go");
      expect(await waiting, name).toEqual({ done: true, value: undefined });
    }
  });

  // Redis shows who listens: each process subscribes to a customer's channel while it has a subscriber of that customer.
  it.skipIf(!process.env.REDIS_URL)("over graphql-ws and SSE, releases the customer's Redis channel when the client goes", async () => {
    const quiet = await quietCustomer();
    const redis = new Redis(process.env.REDIS_URL!);
    const listeners = async () => ((await redis.pubsub("NUMSUB", `customer:tasks:${quiet.customerId}:sandbox`)) as [string, number])[1];
    const until = async (count: number) => {
      for (let tries = 0; tries < 100 && (await listeners()) !== count; tries++) await sleep(50);
      return listeners();
    };
    try {
      const client = wsClient(service.url, { authorization: `Bearer ${quiet.apiKey}` });
      const sub = await subscribe(client, TASK_STATUS, { taskId: quiet.taskId });
      expect(await sub.next()).toEqual({ taskStatusChanged: { id: quiet.taskId, status: "PENDING" } });
      expect(await listeners()).toBe(1);
      await client.dispose();
      expect(await until(0)).toBe(0);

      const controller = new AbortController();
      const response = await fetch(`${service.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "text/event-stream", authorization: `Bearer ${quiet.apiKey}` },
        body: JSON.stringify({ query: TASK_UPDATES, variables: {} }),
        signal: controller.signal,
      });
      expect(response.status).toBe(200);
      expect(await until(1)).toBe(1);
      controller.abort();
      expect(await until(0)).toBe(0);
    } finally {
      redis.disconnect();
    }
  });
});
