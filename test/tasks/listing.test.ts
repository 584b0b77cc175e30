// REST access to many tasks: task ids in a batch's answer, cursor pages of a
// customer's tasks (filtered) and of a batch's tasks, bad parameters named.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestService, type RestResponse, type TestService } from "../support/harness.js";
import { imageTask, registerCustomer, type Customer } from "../support/fixtures.js";

let service: TestService;
let customer: Customer;
beforeAll(async () => {
  service = await startTestService();
  customer = await registerCustomer(service.rest, "Lists Co");
});
afterAll(() => service.close());

async function allPages(path: string, apiKey = customer.apiKey): Promise<{ task_id: string; batch_id: string | null }[]> {
  const items = [];
  let cursor: string | null = null;
  do {
    const res: RestResponse = await service.rest.get(`${path}${path.includes("?") ? "&" : "?"}limit=7${cursor ? `&cursor=${cursor}` : ""}`, { apiKey });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data.length).toBeLessThanOrEqual(7);
    items.push(...res.body.data);
    cursor = res.body.next_cursor;
  } while (cursor);
  return items;
}

describe("listing tasks over REST", () => {
  it("pages a batch's tasks in submission order, matching the ids its submission answered", async () => {
    const tasks = Array.from({ length: 20 }, (_, i) => imageTask({ external_id: `list-${i}` }));
    const submitted = await service.rest.post("/v1/tasks/batch", { tasks }, { apiKey: customer.apiKey });
    expect(submitted.status).toBe(202);
    expect(submitted.body.task_ids).toHaveLength(20);
    const listed = await allPages(`/v1/batches/${submitted.body.batch_id}/tasks`);
    expect(listed.map((t) => t.task_id)).toEqual(submitted.body.task_ids);

    // Resubmitting answers the existing tasks' ids, in input order.
    const again = await service.rest.post("/v1/tasks/batch", { tasks: [tasks[3], imageTask(), tasks[0]] }, { apiKey: customer.apiKey });
    expect(again.body.task_ids[0]).toBe(submitted.body.task_ids[3]);
    expect(again.body.task_ids[2]).toBe(submitted.body.task_ids[0]);
    expect(again.body.duplicate_count).toBe(2);

    const newestFirst = await allPages(`/v1/tasks?batch_id=${submitted.body.batch_id}`);
    expect(newestFirst.map((t) => t.task_id)).toEqual([...submitted.body.task_ids].reverse());
    const canceled = await service.rest.post(`/v1/tasks/${submitted.body.task_ids[5]}/cancel`, {}, { apiKey: customer.apiKey });
    expect(canceled.status).toBe(200);
    const onlyCanceled = await allPages(`/v1/tasks?status=canceled`);
    expect(onlyCanceled.map((t) => t.task_id)).toEqual([submitted.body.task_ids[5]]);
  });

  it("shows nothing of another customer's tasks or batches", async () => {
    const other = await registerCustomer(service.rest, "Other Co");
    const submitted = await service.rest.post("/v1/tasks/batch", { tasks: [imageTask()] }, { apiKey: customer.apiKey });
    expect((await service.rest.get(`/v1/batches/${submitted.body.batch_id}/tasks`, { apiKey: other.apiKey })).status).toBe(404);
    expect(await allPages(`/v1/tasks?batch_id=${submitted.body.batch_id}`, other.apiKey)).toEqual([]);
  });

  it.each([
    ["limit=0", "limit"],
    ["limit=101", "limit"],
    ["limit=abc", "limit"],
    ["cursor=not-a-cursor!", "cursor"],
    ["cursor=Zm9vYmFy", "cursor"],
    ["status=done", "status"],
    ["type=audio", "type"],
  ])("answers 400 naming the parameter for %s", async (query, parameter) => {
    const res = await service.rest.get(`/v1/tasks?${query}`, { apiKey: customer.apiKey });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("invalid_request");
    expect(res.body.error.errors.map((e: { path: string }) => e.path)).toContain(parameter);
  });
});
