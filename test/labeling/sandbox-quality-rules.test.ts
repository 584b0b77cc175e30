// The sandbox shows a project's quality rules end to end: a crowd with a
// spammer (accuracy 0.1) and a fast clicker (accurate, but 0.5 s an answer)
// labels a project with gold tasks; the rules suspend exactly those two, the
// events say why, and their later tasks go to the others.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerCustomer } from "../support/fixtures.js";
import { startTestService, type TestService } from "../support/harness.js";

let service: TestService;
beforeAll(async () => {
  // Members 6 (the spammer) and 7 (the fast clicker); the others careful, 10 s an answer.
  service = await startTestService({ env: { ROLE: "all", SANDBOX_SEED: "11", SANDBOX_CROWD: "0.95,0.95,0.95,0.95,0.95,0.1,0.95@0.5" } });
});
afterAll(() => service.close());

const SPEC = { question: "Cat or dog?", options: ["cat", "dog"] };

async function batchDone(apiKey: string, tasks: unknown[]) {
  const submitted = await service.rest.post("/v1/tasks/batch", { tasks }, { apiKey });
  expect(submitted.status, JSON.stringify(submitted.body)).toBe(202);
  await expect.poll(async () => (await service.rest.get(`/v1/batches/${submitted.body.batch_id}`, { apiKey })).body.status, { timeout: 30_000 }).toBe("completed");
  return submitted.body.batch_id as string;
}

describe("quality rules in the sandbox", () => {
  it("suspend the spammer by gold accuracy and the fast clicker by speed, and nobody else", async () => {
    const customer = await registerCustomer(service.rest, "Rules Sandbox Co");
    const as = { apiKey: customer.apiKey };
    const project = await service.rest.post(
      "/v1/projects",
      { name: "Pets", type: "image_classification", label_spec: SPEC, quality_rules: { gold_accuracy: { min: 0.5, over_last: 10 }, fast_answers: { seconds: 2, in_a_row: 5 } } },
      as,
    );
    const projectId = project.body.project_id;
    const tasks = Array.from({ length: 120 }, (_, i) => ({
      project_id: projectId,
      data_url: `https://img.example.com/pet-${i}.jpg`,
      ...(i % 2 === 0 ? { gold_answer: { label: i % 4 === 0 ? "cat" : "dog" } } : {}),
    }));
    await batchDone(customer.apiKey, tasks);

    const crowd = await service.deps.prisma.annotator.findMany({ where: { kind: "simulated" }, orderBy: { id: "asc" } });
    const idOf = (name: string) => crowd.find((a) => a.name === name)!.id;
    const [spammer, clicker] = [idOf("sandbox-ann-6"), idOf("sandbox-ann-7")];
    await expect
      .poll(async () => ((await service.rest.get(`/v1/projects/${projectId}/suspensions`, as)).body.data as { annotator_id: string; changed_by: string }[]).map((s) => [s.annotator_id, s.changed_by]).sort(), { timeout: 15_000 })
      .toEqual([[spammer, "rule:gold_accuracy"], [clicker, "rule:fast_answers"]].sort());
    await expect
      .poll(async () => (await service.rest.get("/v1/events?types=annotator.suspended", as)).body.data.map((e: { data: { annotator_id: string } }) => e.data.annotator_id).sort(), { timeout: 15_000 })
      .toEqual([spammer, clicker].sort());

    // Later tasks of the project go to the others only.
    const later = await batchDone(customer.apiKey, Array.from({ length: 30 }, (_, i) => ({ project_id: projectId, data_url: `https://img.example.com/later-${i}.jpg` })));
    const judges = await service.deps.prisma.judgment.findMany({ where: { task: { batchId: later } }, select: { annotatorId: true } });
    expect(judges.length).toBe(90);
    expect(judges.filter((j) => j.annotatorId === spammer || j.annotatorId === clicker)).toEqual([]);
  });
});
