import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestService, type GraphQLResult, type TestService } from "../support/harness.js";
import { imageTask, registerCustomer, type Customer } from "../support/fixtures.js";
import { SubmitTaskDocument, TasksDocument, type SubmitTaskMutation, type TasksQuery } from "../generated/graphql.js";

let service: TestService;
let acme: Customer;
let other: Customer;
beforeAll(async () => {
  service = await startTestService();
  acme = await registerCustomer(service.rest, "Acme");
  other = await registerCustomer(service.rest, "Other");
});
afterAll(() => service.close());

const input = { type: "IMAGE_CLASSIFICATION", dataUrl: "https://example.com/i.jpg", labelSpec: { question: "Q?", options: ["a", "b"] } };

describe("submitTask", () => {
  it("creates a task that REST sees too", async () => {
    const result = await service.graphql<SubmitTaskMutation>(SubmitTaskDocument, { input }, { apiKey: acme.apiKey });
    const submitted = result.data!.submitTask;
    if (submitted.__typename !== "MutationSubmitTaskSuccess") throw new Error(JSON.stringify(result));
    expect(submitted.data).toMatchObject({ status: "PENDING", type: "IMAGE_CLASSIFICATION", replication: 3 });
    const rest = await service.rest.get(`/v1/tasks/${submitted.data.id}`, { apiKey: acme.apiKey });
    expect(rest.body.task_id).toBe(submitted.data.id);
  });

  it("returns validation failures as a typed AppError with the same code as REST", async () => {
    const result = await service.graphql<SubmitTaskMutation>(
      SubmitTaskDocument,
      { input: { ...input, labelSpec: { question: "Q?", options: ["a"] } } },
      { apiKey: acme.apiKey },
    );
    expect(result.data!.submitTask).toMatchObject({
      __typename: "AppError",
      code: "invalid_request",
      details: { errors: [{ path: "labelSpec.options", message: "needs at least 2 options" }] },
    });
  });

  it("refuses callers without a key with extensions.code unauthorized", async () => {
    const result = await service.graphql(SubmitTaskDocument, { input });
    const payload = result.data?.submitTask ?? result.errors?.[0].extensions;
    expect(payload.code).toBe("unauthorized");
  });
});

describe("submitBatch, batch and tasks", () => {
  it("pages through a batch's tasks with cursors, capped page sizes and filters", async () => {
    const customer = await registerCustomer(service.rest);
    const submitted = await service.graphql(
      `mutation($tasks: [SubmitTaskInput!]!) { submitBatch(tasks: $tasks) {
        ... on MutationSubmitBatchSuccess { data { batchId taskCount status } } } }`,
      { tasks: Array.from({ length: 7 }, () => input) },
      { apiKey: customer.apiKey },
    );
    const { batchId, taskCount } = submitted.data.submitBatch.data;
    expect(taskCount).toBe(7);

    const seen: string[] = [];
    let after: string | null | undefined = undefined;
    for (let page = 0; page < 5; page++) {
      const result: GraphQLResult<TasksQuery> = await service.graphql<TasksQuery>(TasksDocument, { first: 3, after, batchId, orderBy: "OLDEST_FIRST" }, { apiKey: customer.apiKey });
      const tasks: TasksQuery["tasks"] = result.data!.tasks;
      seen.push(...tasks.edges.map((e) => e.node.id));
      if (!tasks.pageInfo.hasNextPage) break;
      after = tasks.pageInfo.endCursor;
    }
    expect(seen).toHaveLength(7);
    expect([...seen].sort()).toEqual(seen); // oldest first = ascending ids

    const capped = await service.graphql(TasksDocument, { first: 1000 }, { apiKey: customer.apiKey });
    expect(capped.errors?.[0].message ?? "").toMatch(/100/);
    expect(capped.errors?.[0].extensions?.code).toBe("invalid_request");

    const batch = await service.graphql(
      `query($id: ID!) { batch(id: $id) { id taskCount counts { pending completed } tasks(first: 2) { edges { node { id } } } } }`,
      { id: batchId },
      { apiKey: customer.apiKey },
    );
    expect(batch.data.batch).toMatchObject({ id: batchId, taskCount: 7, counts: { pending: 7, completed: 0 } });
    expect(batch.data.batch.tasks.edges).toHaveLength(2);

    const canceled = await service.graphql(TasksDocument, { status: "CANCELED" }, { apiKey: customer.apiKey });
    expect(canceled.data.tasks.edges).toEqual([]);
  });
});

describe("tenant isolation in GraphQL", () => {
  it("never shows another customer's task, batch or list entries", async () => {
    const created = await service.rest.post("/v1/tasks", imageTask(), { apiKey: acme.apiKey });
    const batch = await service.rest.post("/v1/tasks/batch", { tasks: [imageTask()] }, { apiKey: acme.apiKey });
    const id = created.body.task_id;
    const asOther = await service.graphql(
      `query($id: ID!, $batchId: ID!) { task(id: $id) { id } node(id: $id) { id } nodes(ids: [$id, $batchId]) { id } batch(id: $batchId) { id } }`,
      { id, batchId: batch.body.batch_id },
      { apiKey: other.apiKey },
    );
    expect(asOther.data).toEqual({ task: null, node: null, nodes: [null, null], batch: null });
    const list = await service.graphql(TasksDocument, { first: 100 }, { apiKey: other.apiKey });
    expect(list.data.tasks.edges.map((e: { node: { id: string } }) => e.node.id)).not.toContain(id);
    const cancel = await service.graphql(
      `mutation($id: ID!) { cancelTask(id: $id) { ... on AppError { code } } }`,
      { id },
      { apiKey: other.apiKey },
    );
    expect(cancel.data.cancelTask.code).toBe("not_found");
    const asOwner = await service.graphql(`query($id: ID!) { node(id: $id) { ... on Task { id status } } }`, { id }, { apiKey: acme.apiKey });
    expect(asOwner.data.node).toEqual({ id, status: "PENDING" });
  });
});

describe("limits", () => {
  it("refuses queries deeper than the depth limit", async () => {
    const deep = `{ tasks { edges { node { batch { tasks { edges { node { batch { tasks { edges { node { batch { id } } } } } } } } } } } } }`;
    const result = await service.graphql(deep, {}, { apiKey: acme.apiKey });
    expect(result.errors?.[0].message).toMatch(/depth/i);
    expect(result.errors?.[0].extensions?.code).toBe("query_too_complex");
  });
});
