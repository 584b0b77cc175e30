import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestService, type TestService } from "../support/harness.js";
import { imageTask, registerCustomer, type Customer } from "../support/fixtures.js";
import { subscribe, wsClient } from "../support/ws.js";

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
