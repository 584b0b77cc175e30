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
