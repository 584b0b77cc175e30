// Billing: each completed, non-gold task is metered once, at completion, in
// its UTC month; months close into one invoice each, however many workers try.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestService, type TestService } from "../support/harness.js";
import { imageTask, registerCustomer, type Customer } from "../support/fixtures.js";
import { createAnnotator, makeLive, NEXT, SUBMIT } from "../support/annotators.js";
import { closeEndedMonths } from "../../src/domain/billing/index.js";

let service: TestService;
beforeAll(async () => {
  // Workers on: the sandbox crowd labels the sandbox customer's tasks.
  service = await startTestService({ env: { ROLE: "all", PRICE_LIST: "image_classification=8,text_classification=5", CURRENCY: "eur" } });
});
afterAll(() => service.close());

const thisMonth = () => new Date().toISOString().slice(0, 7);

/** A live customer's tasks, each labeled by one human judgment. */
async function liveCustomerWithLabels(count: number, extra: Record<string, unknown>[] = []): Promise<Customer> {
  const customer = await registerCustomer(service.rest, "Billing Co");
  customer.apiKey = await makeLive(service.graphql, customer.customerId);
  const annotator = await createAnnotator(service.graphql, `billing-${Date.now()}`);
  const tasks = [...Array.from({ length: count }, () => imageTask({ replication: 1, priority: 10 })), ...extra];
  const batch = await service.rest.post("/v1/tasks/batch", { tasks }, { apiKey: customer.apiKey });
  expect(batch.status).toBe(202);
  for (let i = 0; i < tasks.length; i++) {
    const next = await service.graphql(NEXT, {}, { apiKey: annotator.token });
    const assignment = next.data.nextAssignment;
    if (!assignment) break;
    const judged = await service.graphql(SUBMIT, { id: assignment.id, answer: { label: "a" } }, { apiKey: annotator.token });
    expect(judged.data.submitJudgment.__typename, JSON.stringify(judged)).toBe("MutationSubmitJudgmentSuccess");
  }
  return customer;
}

describe("billing", () => {
  it("meters each completed, non-gold task once, at the live price, in its month", async () => {
    const customer = await liveCustomerWithLabels(3, [imageTask({ replication: 1, priority: 10, gold_answer: { label: "a" } })]);
    const canceled = await service.rest.post("/v1/tasks", imageTask({ replication: 1 }), { apiKey: customer.apiKey });
    await service.rest.post(`/v1/tasks/${canceled.body.task_id}/cancel`, {}, { apiKey: customer.apiKey });

    const usage = await service.rest.get("/v1/billing/usage", { apiKey: customer.apiKey });
    expect(usage.status).toBe(200);
    expect(usage.body).toMatchObject({
      month: thisMonth(),
      currency: "eur",
      total_labels: 3,
      total_amount: 24,
      by_type: [{ task_type: "image_classification", labels: 3, amount: 24 }],
      by_day: [{ date: new Date().toISOString().slice(0, 10), labels: 3, amount: 24 }],
      quota: { labels_used: 3 },
    });
    const invoices = await service.rest.get("/v1/billing/invoices", { apiKey: customer.apiKey });
    expect(invoices.body.data[0]).toMatchObject({
      invoice_id: expect.stringMatching(/^inv_/),
      period: thisMonth(),
      status: "draft",
      currency: "eur",
      line_items: [{ task_type: "image_classification", quantity: 3, unit_price: 8, amount: 24 }],
      subtotal: 24,
      total: 24,
    });
    const draft = await service.rest.get(`/v1/billing/invoices/${invoices.body.data[0].invoice_id}`, { apiKey: customer.apiKey });
    expect(draft.body).toEqual(invoices.body.data[0]);

    // Another customer sees none of it.
    const other = await registerCustomer(service.rest, "Other Co");
    expect((await service.rest.get("/v1/billing/usage", { apiKey: other.apiKey })).body).toMatchObject({ total_labels: 0, total_amount: 0, by_type: [] });
    expect((await service.rest.get("/v1/billing/invoices", { apiKey: other.apiKey })).body.data[0]).toMatchObject({ line_items: [], total: 0 });
  });

  it("bills a label completed in a month's last millisecond to that month (UTC), and closes each ended month once", async () => {
    const customer = await liveCustomerWithLabels(2);
    // As if both had completed at the very end of January 2026 (UTC).
    await service.deps.prisma.billedLabel.updateMany({
      where: { customerId: customer.customerId },
      data: { billedAt: new Date("2026-01-31T23:59:59.999Z") },
    });
    const january = await service.rest.get("/v1/billing/usage?month=2026-01", { apiKey: customer.apiKey });
    expect(january.body).toMatchObject({ month: "2026-01", total_labels: 2, total_amount: 16, by_day: [{ date: "2026-01-31", labels: 2 }] });
    expect((await service.rest.get("/v1/billing/usage?month=2026-02", { apiKey: customer.apiKey })).body.total_labels).toBe(0);

    // Three workers close months at once (the service's own closer may be a fourth): one invoice for January.
    await Promise.all([closeEndedMonths(service.deps), closeEndedMonths(service.deps), closeEndedMonths(service.deps)]);
    expect(await closeEndedMonths(service.deps)).toBe(0);
    const stored = await service.deps.prisma.invoice.findMany({ where: { customerId: customer.customerId } });
    expect(stored).toHaveLength(1);

    const invoices = await service.rest.get("/v1/billing/invoices", { apiKey: customer.apiKey });
    expect(invoices.body.data.map((i: { period: string; status: string }) => [i.period, i.status])).toEqual([
      [thisMonth(), "draft"],
      ["2026-01", "open"],
    ]);
    const closed = invoices.body.data[1];
    expect(closed).toMatchObject({
      invoice_id: stored[0].id,
      period_start: "2026-01-01T00:00:00.000Z",
      period_end: "2026-02-01T00:00:00.000Z",
      line_items: [{ task_type: "image_classification", quantity: 2, unit_price: 8, amount: 16 }],
      total: 16,
      issued_at: expect.stringMatching(/Z$/),
    });
    expect((await service.rest.get(`/v1/billing/invoices/${closed.invoice_id}`, { apiKey: customer.apiKey })).body).toEqual(closed);
    const other = await registerCustomer(service.rest, "Snoop Co");
    expect((await service.rest.get(`/v1/billing/invoices/${closed.invoice_id}`, { apiKey: other.apiKey })).status).toBe(404);
  });

  it("records sandbox usage at price 0", async () => {
    const customer = await registerCustomer(service.rest, "Sandbox Co");
    const created = await service.rest.post("/v1/tasks", imageTask(), { apiKey: customer.apiKey });
    for (let i = 0; i < 100; i++) {
      const result = await service.rest.get(`/v1/tasks/${created.body.task_id}/result`, { apiKey: customer.apiKey });
      if (result.status === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const usage = await service.rest.get("/v1/billing/usage", { apiKey: customer.apiKey });
    expect(usage.body).toMatchObject({ total_labels: 1, total_amount: 0, by_type: [{ task_type: "image_classification", labels: 1, amount: 0 }] });
  });

  it.each(["2026-13", "26-01", "january", "2026-1"])("answers 400 naming month for month=%s", async (month) => {
    const customer = await registerCustomer(service.rest, "Typo Co");
    const res = await service.rest.get(`/v1/billing/usage?month=${month}`, { apiKey: customer.apiKey });
    expect(res.status).toBe(400);
    expect(res.body.error.errors[0].path).toBe("month");
  });

  it("answers the same over GraphQL", async () => {
    const customer = await liveCustomerWithLabels(1);
    const result = await service.graphql(
      `{ usage { month currency totalLabels totalAmount byType { taskType labels amount } }
         invoices(first: 5) { edges { node { id period status total lineItems { taskType quantity unitPrice amount } } } } }`,
      {},
      { apiKey: customer.apiKey },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data.usage).toEqual({ month: thisMonth(), currency: "eur", totalLabels: 1, totalAmount: 8, byType: [{ taskType: "image_classification", labels: 1, amount: 8 }] });
    expect(result.data.invoices.edges[0].node).toMatchObject({ status: "DRAFT", total: 8, lineItems: [{ taskType: "image_classification", quantity: 1, unitPrice: 8, amount: 8 }] });
  });
});
