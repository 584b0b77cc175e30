// The dashboard: numbers that agree with the tasks and with billing; a task
// table whose pages walk every task exactly once under every sort.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestService, type TestService } from "../support/harness.js";
import { imageTask, registerCustomer, type Customer } from "../support/fixtures.js";
import { createAnnotator, makeLive, NEXT, SUBMIT } from "../support/annotators.js";

let service: TestService;
let customer: Customer;
let taskIds: string[];
beforeAll(async () => {
  service = await startTestService();
  customer = await registerCustomer(service.rest, "Dash Co");
  customer.apiKey = await makeLive(service.graphql, customer.customerId);
  const tasks = Array.from({ length: 23 }, (_, i) => imageTask({ replication: 1, priority: i % 4, external_id: `dash-${i}` }));
  const batch = await service.rest.post("/v1/tasks/batch", { tasks }, { apiKey: customer.apiKey });
  taskIds = batch.body.task_ids;
  // Five labeled (the highest priorities first), one canceled, the rest pending.
  const annotator = await createAnnotator(service.graphql, "dash-annotator");
  for (let i = 0; i < 5; i++) {
    const next = await service.graphql(NEXT, {}, { apiKey: annotator.token });
    await service.graphql(SUBMIT, { id: next.data.nextAssignment.id, answer: { label: "a" } }, { apiKey: annotator.token });
  }
  await service.rest.post(`/v1/tasks/${taskIds[0]}/cancel`, {}, { apiKey: customer.apiKey });
});
afterAll(() => service.close());

describe("the dashboard", () => {
  it("overview counts what the tasks and billing say", async () => {
    const overview = await service.rest.get("/v1/dashboard/overview", { apiKey: customer.apiKey });
    expect(overview.status).toBe(200);
    const usage = await service.rest.get("/v1/billing/usage", { apiKey: customer.apiKey });
    expect(overview.body).toMatchObject({
      counts: { completed: 5, canceled: 1, pending: 17, in_progress: 0, failed: 0 },
      submitted: { last_24h: 23, last_7d: 23 },
      completed: { last_24h: 5, last_7d: 5 },
      spend_this_month: usage.body.total_amount,
      currency: usage.body.currency,
      quota: usage.body.quota,
      open_batches: 1,
      open_jobs: 0,
    });
    expect(usage.body.total_labels).toBe(5);
    expect(overview.body.turnaround_seconds.median).toBeGreaterThanOrEqual(0);
    expect(overview.body.turnaround_seconds.p90).toBeGreaterThanOrEqual(overview.body.turnaround_seconds.median);

    const days = (await service.rest.get("/v1/dashboard/usage", { apiKey: customer.apiKey })).body.days;
    expect(days).toHaveLength(30);
    expect(days[29]).toEqual({ date: new Date().toISOString().slice(0, 10), submitted: 23, completed: 5, spend: usage.body.total_amount });

    const quality = (await service.rest.get("/v1/dashboard/quality", { apiKey: customer.apiKey })).body.task_types;
    expect(quality).toEqual([
      expect.objectContaining({ task_type: "image_classification", completed: 5, agreement: 1, extra_judgment_share: 0, gold_accuracy: null }),
    ]);
    expect(quality[0].confidence_histogram.reduce((a: number, b: number) => a + b, 0)).toBe(5);
  });

  it.each(["created_at_desc", "created_at_asc", "updated_at_desc", "priority_desc"])("pages every task exactly once sorted by %s", async (sort) => {
    const seen: string[] = [];
    let totalPages = 1;
    for (let page = 1; page <= totalPages; page++) {
      const res = await service.rest.get(`/v1/dashboard/tasks?page=${page}&per_page=5&status=&sort=${sort}`, { apiKey: customer.apiKey });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ page, per_page: 5, total: 23, total_pages: 5 });
      totalPages = res.body.total_pages;
      seen.push(...res.body.items.map((t: { task_id: string }) => t.task_id));
    }
    expect(seen).toHaveLength(23);
    expect(new Set(seen)).toEqual(new Set(taskIds));
    if (sort === "created_at_asc") expect(seen).toEqual(taskIds);
    if (sort === "priority_desc") {
      const priorities = await Promise.all(seen.slice(0, 6).map(async (id) => (await service.rest.get(`/v1/tasks/${id}`, { apiKey: customer.apiKey })).body.priority));
      expect(priorities).toEqual([...priorities].sort((a, b) => b - a));
    }
  });

  it("filters the table by status and names a bad parameter", async () => {
    const pending = await service.rest.get("/v1/dashboard/tasks?status=pending&per_page=100", { apiKey: customer.apiKey });
    expect(pending.body.total).toBe(17);
    for (const [query, parameter] of [["page=0", "page"], ["per_page=101", "per_page"], ["status=done", "status"], ["sort=random", "sort"], ["page=x", "page"], ["page=1e300", "page"]]) {
      const res = await service.rest.get(`/v1/dashboard/tasks?${query}`, { apiKey: customer.apiKey });
      expect(res.status, query).toBe(400);
      expect(res.body.error.errors[0].path).toBe(parameter);
    }
  });

  it("filters the table by project, counting only its tasks, and only the owner's", async () => {
    const owner = await registerCustomer(service.rest, "Project Table Co");
    const as = { apiKey: owner.apiKey };
    const project = await service.rest.post("/v1/projects", { name: "Table", type: "image_classification", label_spec: { question: "Q?", options: ["a", "b"] } }, as);
    const inProject = [];
    for (let i = 0; i < 3; i++) inProject.push((await service.rest.post("/v1/tasks", { project_id: project.body.project_id, data_url: `https://e.com/p${i}.jpg` }, as)).body.task_id);
    await service.rest.post("/v1/tasks", imageTask(), as);
    const table = await service.rest.get(`/v1/dashboard/tasks?project_id=${project.body.project_id}&per_page=2`, as);
    expect(table.body).toMatchObject({ total: 3, total_pages: 2 });
    const second = await service.rest.get(`/v1/dashboard/tasks?project_id=${project.body.project_id}&per_page=2&page=2`, as);
    expect(new Set([...table.body.items, ...second.body.items].map((t: { task_id: string }) => t.task_id))).toEqual(new Set(inProject));
    expect((await service.rest.get("/v1/dashboard/tasks?project_id=", as)).body.total).toBe(4);
    const graph = await service.graphql(`query($p: ID) { dashboard { tasks(projectId: $p) { total } } }`, { p: project.body.project_id }, as);
    expect(graph.data.dashboard.tasks.total).toBe(3);
    const other = await registerCustomer(service.rest, "Table Peek Co");
    expect((await service.rest.get(`/v1/dashboard/tasks?project_id=${project.body.project_id}`, { apiKey: other.apiKey })).body).toMatchObject({ total: 0, items: [] });
  });

  it("shows another customer nothing of it, over REST and GraphQL", async () => {
    const other = await registerCustomer(service.rest, "Peek Co");
    const overview = await service.rest.get("/v1/dashboard/overview", { apiKey: other.apiKey });
    expect(overview.body.counts).toEqual({ pending: 0, in_progress: 0, completed: 0, failed: 0, canceled: 0 });
    expect((await service.rest.get("/v1/dashboard/tasks", { apiKey: other.apiKey })).body).toMatchObject({ items: [], total: 0, total_pages: 0 });
    expect((await service.rest.get("/v1/dashboard/quality", { apiKey: other.apiKey })).body.task_types).toEqual([]);
    const graph = await service.graphql(`{ dashboard { overview { counts { completed } } tasks(perPage: 5) { total items { id } } } }`, {}, { apiKey: other.apiKey });
    expect(graph.data.dashboard).toEqual({ overview: { counts: { completed: 0 } }, tasks: { total: 0, items: [] } });
    const mine = await service.graphql(`{ dashboard { overview { counts { completed } } tasks(perPage: 5, sort: CREATED_AT_ASC) { total items { id } } } }`, {}, { apiKey: customer.apiKey });
    expect(mine.data.dashboard.tasks.items.map((t: { id: string }) => t.id)).toEqual(taskIds.slice(0, 5));
  });
});
