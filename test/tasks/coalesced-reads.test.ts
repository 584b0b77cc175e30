// Reads of a task by id made at the same moment share one statement. What a
// customer sees must not change: each read its own task, another customer's
// task a 404 even when read in the same statement as its owner's read, and a
// read made after a change sees the change.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestService, type TestService } from "../support/harness.js";
import { imageTask, registerCustomer, type Customer } from "../support/fixtures.js";
import { makeLive } from "../support/annotators.js";
import { getTask } from "../../src/domain/tasks/index.js";
import type { CustomerActor } from "../../src/domain/shared/index.js";

let service: TestService;
let acme: Customer & { tasks: string[] };
let globex: Customer & { tasks: string[] };

async function customerWithTasks(name: string, count: number) {
  const customer = await registerCustomer(service.rest, name);
  const apiKey = await makeLive(service.graphql, customer.customerId, 10_000);
  const tasks = (index: number) => Array.from({ length: 500 }, (_, i) => imageTask({ data_url: `https://example.com/${name}/${index * 500 + i}.jpg` }));
  const ids: string[] = [];
  for (let index = 0; index * 500 < count; index++) {
    const batch = await service.rest.post("/v1/tasks/batch", { tasks: tasks(index) }, { apiKey });
    expect(batch.status).toBe(202);
    const created = await service.deps.prisma.task.findMany({ where: { batchId: batch.body.batch_id }, select: { id: true } });
    ids.push(...created.map((task) => task.id));
  }
  return { ...customer, apiKey, tasks: ids.slice(0, count) };
}

const actorOf = (customer: Customer): CustomerActor => ({ kind: "customer", customerId: customer.customerId, environment: "live" });

beforeAll(async () => {
  service = await startTestService();
  acme = await customerWithTasks("acme", 1_000);
  globex = await customerWithTasks("globex", 50);
});
afterAll(() => service.close());

describe("concurrent reads of tasks by id", () => {
  it("answer each read with its own task, over more reads than one statement takes", async () => {
    // 1,000 reads in one turn of the event loop: two statements' worth.
    const read = await Promise.all(acme.tasks.map((id) => getTask(service.deps, actorOf(acme), id)));
    expect(read.map((task) => task.id)).toEqual(acme.tasks);
    expect(new Set(read.map((task) => task.dataUrl)).size).toBe(1_000);
  });

  it("give the same task to every read of it", async () => {
    const id = acme.tasks[7];
    const read = await Promise.all(Array.from({ length: 20 }, () => getTask(service.deps, actorOf(acme), id)));
    for (const task of read) expect(task).toMatchObject({ id, customerId: acme.customerId });
  });

  it("refuse another customer's task even in the statement that reads it for its owner", async () => {
    const theirs = globex.tasks[0];
    const [owner, intruder] = await Promise.allSettled([
      getTask(service.deps, actorOf(globex), theirs),
      getTask(service.deps, actorOf(acme), theirs),
    ]);
    expect(owner).toMatchObject({ status: "fulfilled", value: { id: theirs } });
    expect(intruder).toMatchObject({ status: "rejected", reason: { code: "not_found" } });
  });

  it("answer the other reads of a statement when one asks for an id PostgreSQL cannot hold", async () => {
    const [unstorable, mine] = await Promise.allSettled([
      getTask(service.deps, actorOf(acme), "tsk_\u0000"),
      getTask(service.deps, actorOf(acme), acme.tasks[3]),
    ]);
    expect(unstorable).toMatchObject({ status: "rejected", reason: { code: "not_found" } });
    expect(mine).toMatchObject({ status: "fulfilled", value: { id: acme.tasks[3] } });
  });

  it("over HTTP, mixed with other customers' reads: own tasks 200, others' 404, unknown ids 404", async () => {
    const reads = [
      ...acme.tasks.slice(0, 100).map((id) => ({ apiKey: acme.apiKey, id, expected: 200 })),
      ...globex.tasks.map((id) => ({ apiKey: globex.apiKey, id, expected: 200 })),
      ...globex.tasks.map((id) => ({ apiKey: acme.apiKey, id, expected: 404 })),
      ...acme.tasks.slice(0, 50).map((id) => ({ apiKey: globex.apiKey, id: `${id}/result`, expected: 404 })),
      { apiKey: acme.apiKey, id: "tsk_doesnotexist", expected: 404 },
    ];
    const answers = await Promise.all(reads.map((read) => service.rest.get(`/v1/tasks/${read.id}`, { apiKey: read.apiKey })));
    answers.forEach((answer, i) => {
      expect(answer.status, reads[i].id).toBe(reads[i].expected);
      if (reads[i].expected === 200) expect(answer.body.task_id).toBe(reads[i].id);
      else expect(answer.body.error.code).toBe("not_found");
    });
    const graphql = await Promise.all(
      globex.tasks.slice(0, 10).flatMap((id) => [
        service.graphql(`query($id: ID!) { task(id: $id) { id } }`, { id }, { apiKey: globex.apiKey }),
        service.graphql(`query($id: ID!) { task(id: $id) { id } }`, { id }, { apiKey: acme.apiKey }),
      ]),
    );
    graphql.forEach((answer, i) => expect(answer.data.task).toEqual(i % 2 ? null : { id: globex.tasks[i / 2] }));
  });

  it("see a change made before the read, while other reads keep the statement busy", async () => {
    for (const id of acme.tasks.slice(900, 920)) {
      expect((await getTask(service.deps, actorOf(acme), id)).status).toBe("pending");
      const canceled = await service.rest.post(`/v1/tasks/${id}/cancel`, {}, { apiKey: acme.apiKey });
      expect(canceled.status).toBe(200);
      const [mine, ...others] = await Promise.all([id, ...acme.tasks.slice(0, 30)].map((read) => getTask(service.deps, actorOf(acme), read)));
      expect(mine.status).toBe("canceled");
      expect(others.map((task) => task.id)).toEqual(acme.tasks.slice(0, 30));
    }
  });
});
