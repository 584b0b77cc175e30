// Sandbox and live data kept apart: a key of one environment sees and touches
// nothing of the other's, over REST, GraphQL, subscriptions and webhooks, and
// answers another environment's id exactly as another customer's.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordEvent } from "../../src/domain/webhooks/index.js";
import { createAnnotator, makeLive, NEXT, SUBMIT } from "../support/annotators.js";
import { imageTask, registerCustomer } from "../support/fixtures.js";
import { startTestService, type TestService } from "../support/harness.js";
import { startReceiver, type Receiver } from "../support/receiver.js";
import { subscribe, wsClient } from "../support/ws.js";

type Environment = "sandbox" | "live";
const ENVIRONMENTS: Environment[] = ["sandbox", "live"];
const other = (environment: Environment): Environment => (environment === "sandbox" ? "live" : "sandbox");

/** What one key made: a task, a batch (with its task), a job, a webhook and a delivery to it. */
interface Objects {
  taskId: string;
  batchId: string;
  batchTaskId: string;
  jobId: string;
  webhookId: string;
  deliveryId: string;
}

describe("environment separation", () => {
  let service: TestService;
  let stranger: string;
  const keys = {} as Record<Environment, string>;
  const made = {} as Record<Environment, Objects>;
  /** Every task each key made, the tests' own included. */
  const tasksOf: Record<Environment, string[]> = { sandbox: [], live: [] };
  const submitTask = async (environment: Environment, overrides: Record<string, unknown> = {}) => {
    const res = await service.rest.post("/v1/tasks", imageTask(overrides), { apiKey: keys[environment] });
    expect(res.status).toBe(202);
    if (!tasksOf[environment].includes(res.body.task_id)) tasksOf[environment].push(res.body.task_id);
    return res.body.task_id as string;
  };

  async function makeObjects(environment: Environment): Promise<Objects> {
    const apiKey = keys[environment];
    const taskId = await submitTask(environment, { external_id: "same-external-id" });
    const batch = await service.rest.post("/v1/tasks/batch", { tasks: [imageTask()] }, { apiKey });
    expect(batch.status).toBe(202);
    tasksOf[environment].push(batch.body.task_ids[0]);
    const job = await service.rest.post(
      "/v1/jobs",
      { manifest_url: "http://127.0.0.1:9/manifest.jsonl", label_spec: { question: "Q?", options: ["a", "b"] } },
      { apiKey },
    );
    expect(job.status).toBe(202);
    const webhook = await service.rest.post("/v1/webhooks", { callback_url: "http://127.0.0.1:9/hook" }, { apiKey });
    expect(webhook.status).toBe(201);
    // An event of this environment's task: one delivery row to its webhook (nobody delivers: ROLE api).
    const owner = await service.deps.prisma.task.findUniqueOrThrow({ where: { id: taskId } });
    await service.deps.prisma.$transaction((tx) => recordEvent(tx, owner, "task.completed", { task_id: owner.id }));
    const delivery = await service.deps.prisma.webhookDelivery.findFirstOrThrow({ where: { webhookId: webhook.body.webhook_id } });
    return {
      taskId,
      batchId: batch.body.batch_id,
      batchTaskId: batch.body.task_ids[0],
      jobId: job.body.job_id,
      webhookId: webhook.body.webhook_id,
      deliveryId: delivery.id,
    };
  }

  beforeAll(async () => {
    service = await startTestService();
    const customer = await registerCustomer(service.rest);
    keys.sandbox = customer.apiKey;
    keys.live = await makeLive(service.graphql, customer.customerId);
    stranger = (await registerCustomer(service.rest, "Stranger")).apiKey;
    made.sandbox = await makeObjects("sandbox");
    made.live = await makeObjects("live");
  });
  afterAll(() => service?.close());

  /** Every REST route that names an object, with the object it names. */
  const objectRoutes = (o: Objects): [string, string][] => [
    ["GET", `/v1/tasks/${o.taskId}`],
    ["GET", `/v1/tasks/${o.taskId}/result`],
    ["POST", `/v1/tasks/${o.taskId}/cancel`],
    ["GET", `/v1/tasks/${o.batchTaskId}`],
    ["GET", `/v1/batches/${o.batchId}`],
    ["GET", `/v1/batches/${o.batchId}/tasks`],
    ["GET", `/v1/jobs/${o.jobId}`],
    ["GET", `/v1/jobs/${o.jobId}/export`],
    ["POST", `/v1/jobs/${o.jobId}/cancel`],
    ["DELETE", `/v1/webhooks/${o.webhookId}`],
  ];

  describe.each(ENVIRONMENTS)("a %s key", (environment) => {
    const theirs = other(environment);

    it("gets 404 on every route naming the other environment's objects, exactly as on another customer's", async () => {
      for (const [method, path] of objectRoutes(made[theirs])) {
        const crossed = await service.rest.request(method, path, undefined, { apiKey: keys[environment] });
        const foreign = await service.rest.request(method, path, undefined, { apiKey: stranger });
        expect(crossed.status, `${method} ${path}`).toBe(404);
        expect(crossed.body.error.code).toBe("not_found");
        expect(crossed.body.error.message).toBe(foreign.body.error.message);
        expect(foreign.status).toBe(404);
      }
      // Nothing was canceled or deleted on the way.
      const owner = keys[theirs];
      expect((await service.rest.get(`/v1/tasks/${made[theirs].taskId}`, { apiKey: owner })).body.status).toBe("pending");
      expect((await service.rest.get(`/v1/jobs/${made[theirs].jobId}`, { apiKey: owner })).body.status).toBe("queued");
      const hooks = (await service.rest.get("/v1/webhooks", { apiKey: owner })).body.data.map((w: { webhook_id: string }) => w.webhook_id);
      expect(hooks).toEqual([made[theirs].webhookId]);
    });

    it("lists and counts only its own environment's objects", async () => {
      const apiKey = keys[environment];
      const mine = made[environment];
      const ids = (items: { task_id?: string; job_id?: string; webhook_id?: string }[]) => items.map((item) => item.task_id ?? item.job_id ?? item.webhook_id);
      const tasks = await service.rest.get("/v1/tasks?limit=100", { apiKey });
      expect(ids(tasks.body.data).sort()).toEqual([...tasksOf[environment]].sort());
      expect(ids((await service.rest.get("/v1/jobs", { apiKey })).body.data)).toEqual([mine.jobId]);
      expect(ids((await service.rest.get("/v1/webhooks", { apiKey })).body.data)).toEqual([mine.webhookId]);
      const table = await service.rest.get("/v1/dashboard/tasks?per_page=100", { apiKey });
      expect(ids(table.body.items).sort()).toEqual([...tasksOf[environment]].sort());
      expect(table.body.total).toBe(tasksOf[environment].length);
      const overview = await service.rest.get("/v1/dashboard/overview", { apiKey });
      // The made task and the batch's are pending; any other this file made was canceled.
      expect(overview.body).toMatchObject({ counts: { pending: 2 }, submitted: { last_24h: tasksOf[environment].length }, open_jobs: 1, open_batches: 1 });
      const daily = await service.rest.get("/v1/dashboard/usage", { apiKey });
      expect(daily.body.days.reduce((sum: number, day: { submitted: number }) => sum + day.submitted, 0)).toBe(tasksOf[environment].length);
    });

    it("finds nothing of the other environment through GraphQL, and changes nothing", async () => {
      const theirObjects = made[theirs];
      const apiKey = keys[environment];
      const reads = await service.graphql(
        `query($task: ID!, $batch: ID!, $job: ID!, $webhook: ID!) {
          task(id: $task) { id } batch(id: $batch) { id } job(id: $job) { id } webhook(id: $webhook) { id }
          nodes(ids: [$task, $batch, $job]) { id }
          tasks(first: 100) { edges { node { id } } } jobs(first: 100) { edges { node { id } } } webhooks { id }
        }`,
        { task: theirObjects.taskId, batch: theirObjects.batchId, job: theirObjects.jobId, webhook: theirObjects.webhookId },
        { apiKey },
      );
      expect(reads.errors, JSON.stringify(reads.errors)).toBeUndefined();
      expect(reads.data).toMatchObject({ task: null, batch: null, job: null, webhook: null, nodes: [null, null, null] });
      const byNode = await service.graphql(
        `query($task: ID!, $batch: ID!) { node(id: $task) { id } batchNode: node(id: $batch) { id } }`,
        { task: theirObjects.taskId, batch: theirObjects.batchId },
        { apiKey },
      );
      expect(byNode).toEqual({ data: { node: null, batchNode: null } });
      const listed = [
        ...reads.data.tasks.edges.map((e: { node: { id: string } }) => e.node.id),
        ...reads.data.jobs.edges.map((e: { node: { id: string } }) => e.node.id),
        ...reads.data.webhooks.map((w: { id: string }) => w.id),
      ];
      expect(listed.sort()).toEqual([...tasksOf[environment], made[environment].jobId, made[environment].webhookId].sort());
      // Another environment's id, or one of no node type, is null in its place; one's own are found.
      const mixed = await service.graphql(`query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids: [theirObjects.taskId, made[environment].taskId, made[environment].jobId, made[environment].batchId] }, { apiKey });
      expect(mixed).toEqual({ data: { nodes: [null, { id: made[environment].taskId }, null, { id: made[environment].batchId }] } });

      const code = (field: string) => `${field} { __typename ... on AppError { code } }`;
      const writes = await service.graphql(
        `mutation($task: ID!, $job: ID!, $webhook: ID!, $delivery: ID!) {
          ${code("cancelTask(id: $task)")} ${code("cancelJob(id: $job)")} ${code("deleteWebhook(id: $webhook)")}
          ${code("rotateWebhookSecret(id: $webhook)")} ${code("redeliver(deliveryId: $delivery)")}
        }`,
        { task: theirObjects.taskId, job: theirObjects.jobId, webhook: theirObjects.webhookId, delivery: theirObjects.deliveryId },
        { apiKey },
      );
      expect(writes.errors, JSON.stringify(writes.errors)).toBeUndefined();
      for (const field of ["cancelTask", "cancelJob", "deleteWebhook", "rotateWebhookSecret", "redeliver"]) {
        expect(writes.data[field], field).toEqual({ __typename: "AppError", code: "not_found" });
      }
      expect(await service.deps.prisma.webhookDelivery.count({ where: { webhookId: theirObjects.webhookId } })).toBe(1);
    });

    it("refuses to subscribe to the other environment's task, batch or job, and hears none of its changes", async () => {
      const client = wsClient(service.url, { authorization: `Bearer ${keys[environment]}` });
      try {
        for (const [query, variables] of [
          ["subscription($id: ID!) { taskStatusChanged(taskId: $id) { id } }", { id: made[theirs].taskId }],
          ["subscription($id: ID!) { taskUpdates(batchId: $id) { batch { id } } }", { id: made[theirs].batchId }],
          ["subscription($id: ID!) { jobProgress(jobId: $id) { id } }", { id: made[theirs].jobId }],
        ] as const) {
          const refused = await subscribe(client, query, variables);
          const first = (await refused.next()) as { errors?: { extensions?: { code?: string } }[] };
          expect(first.errors?.[0]?.extensions?.code, query).toBe("not_found");
          await refused.dispose();
        }
        const everything = await subscribe(client, "subscription { taskUpdates { task { id } } }");
        // A change in the other environment, then one in this one: only the second arrives.
        const extra = await submitTask(theirs);
        await service.rest.post(`/v1/tasks/${extra}/cancel`, undefined, { apiKey: keys[theirs] });
        const own = await submitTask(environment);
        await service.rest.post(`/v1/tasks/${own}/cancel`, undefined, { apiKey: keys[environment] });
        const update = (await everything.next()) as { taskUpdates: { task: { id: string } } };
        expect(update.taskUpdates.task.id).toBe(own);
        expect(everything.received.every((u) => (u as typeof update).taskUpdates.task.id === own)).toBe(true);
        await everything.dispose();
      } finally {
        await client.dispose();
      }
    });
  });

  it("keeps one external_id per environment: the same id makes a task in each", async () => {
    expect(made.sandbox.taskId).not.toBe(made.live.taskId);
    expect(await submitTask("live", { external_id: "same-external-id" })).toBe(made.live.taskId);
  });

  it("scopes Idempotency-Key by environment: a sandbox key never replays a live response", async () => {
    const headers = { "idempotency-key": "env-scoped-key-1" };
    const live = await service.rest.post("/v1/tasks", imageTask(), { apiKey: keys.live, headers });
    const sandbox = await service.rest.post("/v1/tasks", imageTask(), { apiKey: keys.sandbox, headers });
    expect(sandbox.headers.get("idempotent-replayed")).toBe("false");
    expect(sandbox.body.task_id).not.toBe(live.body.task_id);
    const replay = await service.rest.post("/v1/tasks", imageTask(), { apiKey: keys.live, headers });
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.body.task_id).toBe(live.body.task_id);
  });

  it("gives each environment its own callback secret, and shows a sandbox key no invoice", async () => {
    const sandbox = await service.rest.get("/v1/customers/me", { apiKey: keys.sandbox });
    const live = await service.rest.get("/v1/customers/me", { apiKey: keys.live });
    expect(sandbox.body.callback_secret).toMatch(/^whsec_/);
    expect(live.body.callback_secret).toMatch(/^whsec_/);
    expect(sandbox.body.callback_secret).not.toBe(live.body.callback_secret);
    const invoices = await service.rest.get("/v1/billing/invoices", { apiKey: keys.sandbox });
    expect(invoices.body.data).toHaveLength(1);
    expect(invoices.body.data[0]).toMatchObject({ status: "draft", line_items: [], total: 0 });
  });

  it("answers a fuzzed sandbox-key request naming a live object with a 404, whatever else it carries", async () => {
    const liveIds = Object.values(made.live);
    const templates = [
      ["GET", "/v1/tasks/{id}"], ["GET", "/v1/tasks/{id}/result"], ["POST", "/v1/tasks/{id}/cancel"],
      ["GET", "/v1/batches/{id}"], ["GET", "/v1/batches/{id}/tasks"], ["GET", "/v1/jobs/{id}"],
      ["GET", "/v1/jobs/{id}/export"], ["POST", "/v1/jobs/{id}/cancel"], ["DELETE", "/v1/webhooks/{id}"],
    ] as const;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...templates),
        fc.constantFrom(...liveIds),
        fc.dictionary(fc.constantFrom("limit", "after", "status", "page", "per_page", "format"), fc.string({ maxLength: 12 }), { maxKeys: 3 }),
        async ([method, template], id, query) => {
          const search = new URLSearchParams(query).toString();
          const path = template.replace("{id}", id) + (search ? `?${search}` : "");
          const res = await service.rest.request(method, path, method === "POST" ? {} : undefined, { apiKey: keys.sandbox });
          // A malformed query parameter may be refused first (400); it never reaches the object.
          expect([400, 404], `${method} ${path}: ${res.text}`).toContain(res.status);
          if (res.status === 400) expect(res.body.error.code).toBe("invalid_request");
        },
      ),
      { numRuns: 150 },
    );
    expect((await service.rest.get(`/v1/tasks/${made.live.taskId}`, { apiKey: keys.live })).body.status).toBe("pending");
  });
});

describe("environment separation of webhooks and labeling", () => {
  let service: TestService;
  let receivers: Record<Environment, Receiver>;

  beforeAll(async () => {
    // With the workers: the sandbox crowd labels sandbox tasks, the deliverer posts events.
    service = await startTestService({ env: { ROLE: "all", WEBHOOK_RETRY_SCHEDULE: "1s" } });
    receivers = { sandbox: await startReceiver(), live: await startReceiver() };
  });
  afterAll(async () => {
    await service?.close();
    await Promise.all(Object.values(receivers ?? {}).map((r) => r.close()));
  });

  it("delivers each environment's events only to that environment's webhooks, and bills and counts them apart", async () => {
    const customer = await registerCustomer(service.rest);
    const keys: Record<Environment, string> = { sandbox: customer.apiKey, live: await makeLive(service.graphql, customer.customerId) };
    for (const environment of ENVIRONMENTS) {
      const res = await service.rest.post("/v1/webhooks", { callback_url: receivers[environment].url, events: ["task.completed"] }, { apiKey: keys[environment] });
      expect(res.status).toBe(201);
    }
    const sandboxTask = await service.rest.post("/v1/tasks", imageTask(), { apiKey: keys.sandbox });
    const liveTask = await service.rest.post("/v1/tasks", imageTask({ replication: 1 }), { apiKey: keys.live });
    // A person labels the live task (the sandbox crowd never sees it).
    const annotator = await createAnnotator(service.graphql, "Person");
    const claimed = await service.graphql(NEXT, {}, { apiKey: annotator.token });
    expect(claimed.data.nextAssignment.task.taskId).toBe(liveTask.body.task_id);
    const judged = await service.graphql(SUBMIT, { id: claimed.data.nextAssignment.id, answer: { label: "a" } }, { apiKey: annotator.token });
    expect(judged.data.submitJudgment.data.taskStatus).toBe("COMPLETED");

    const [sandboxEvent] = await receivers.sandbox.waitFor(1, 20_000);
    const [liveEvent] = await receivers.live.waitFor(1, 20_000);
    expect(JSON.parse(sandboxEvent.body).data.task_id).toBe(sandboxTask.body.task_id);
    expect(JSON.parse(liveEvent.body).data.task_id).toBe(liveTask.body.task_id);
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // nothing else arrives
    expect(receivers.sandbox.received).toHaveLength(1);
    expect(receivers.live.received).toHaveLength(1);

    const month = new Date().toISOString().slice(0, 7);
    const usage = async (environment: Environment) => (await service.rest.get(`/v1/billing/usage?month=${month}`, { apiKey: keys[environment] })).body;
    expect(await usage("sandbox")).toMatchObject({ total_labels: 1, total_amount: 0 });
    expect(await usage("live")).toMatchObject({ total_labels: 1, total_amount: 8 });
    const quality = async (environment: Environment) => (await service.rest.get("/v1/dashboard/quality", { apiKey: keys[environment] })).body.task_types;
    expect(await quality("sandbox")).toMatchObject([{ task_type: "image_classification", completed: 1 }]);
    expect(await quality("live")).toMatchObject([{ task_type: "image_classification", completed: 1 }]);
    const overview = await service.rest.get("/v1/dashboard/overview", { apiKey: keys.live });
    expect(overview.body).toMatchObject({ counts: { completed: 1 }, spend_this_month: 8 });
  });
});
