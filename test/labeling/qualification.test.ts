// Qualification: a project offers an annotator that has not passed only its
// gold tasks first; the first gold_items answers decide; a failed annotator is
// offered nothing of the project until its retry time, then tries again.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAnnotator, makeLive, SUBMIT } from "../support/annotators.js";
import { registerCustomer } from "../support/fixtures.js";
import { startTestService, type TestService } from "../support/harness.js";

let service: TestService;
beforeAll(async () => {
  service = await startTestService();
});
afterAll(() => service.close());

const CLAIM = `mutation { nextAssignment { id task { taskId qualifying } } }`;
const claim = async (token: string) => (await service.graphql(CLAIM, {}, { apiKey: token })).data?.nextAssignment as { id: string; task: { taskId: string; qualifying: boolean } } | null;
async function answer(token: string, label: string) {
  const assignment = await claim(token);
  expect(assignment).not.toBeNull();
  const res = await service.graphql(SUBMIT, { id: assignment!.id, answer: { label } }, { apiKey: token });
  expect(res.data.submitJudgment.__typename, JSON.stringify(res)).toBe("MutationSubmitJudgmentSuccess");
  return assignment!;
}

describe("qualification", () => {
  it("offers gold first, passes at the mark, fails below it until the retry time, and lets a failed annotator try again", async () => {
    const customer = await registerCustomer(service.rest, "Qualify Co");
    const as = { apiKey: await makeLive(service.graphql, customer.customerId) };
    const project = await service.rest.post(
      "/v1/projects",
      { name: "Pets", type: "image_classification", label_spec: { question: "Cat or dog?", options: ["cat", "dog"] }, qualification: { gold_items: 3, pass_mark: 0.66, retry_after_hours: 1 } },
      as,
    );
    expect(project.status, JSON.stringify(project.body)).toBe(201);
    const projectId = project.body.project_id;
    const submit = (body: Record<string, unknown>) => service.rest.post("/v1/tasks", { project_id: projectId, data_url: `https://img.example.com/${Math.random()}.jpg`, ...body }, as);
    const gold = new Set<string>();
    for (let i = 0; i < 7; i++) gold.add((await submit({ gold_answer: { label: "cat" }, priority: 1, replication: 3 })).body.task_id);
    const regular = (await submit({ priority: 9, replication: 3 })).body.task_id;
    const [pass, fail] = await Promise.all([createAnnotator(service.graphql, "Passes"), createAnnotator(service.graphql, "Fails")]);

    // Gold first, though the regular task has the higher priority; each says it is a qualification item.
    for (const label of ["cat", "cat", "dog"]) {
      const assignment = await answer(pass.token, label);
      expect(gold.has(assignment.task.taskId)).toBe(true);
      expect(assignment.task.qualifying).toBe(true);
    }
    const afterPassing = await claim(pass.token);
    expect(afterPassing?.task).toEqual({ taskId: regular, qualifying: false });

    for (const label of ["dog", "dog", "cat"]) await answer(fail.token, label);
    expect(await claim(fail.token)).toBeNull();
    const records = (await service.rest.get(`/v1/projects/${projectId}/qualifications`, as)).body.data;
    expect(records.map((r: { name: string; status: string }) => [r.name, r.status])).toEqual([
      ["Passes", "passed"],
      ["Fails", "failed"],
    ]);
    expect(records[0]).toMatchObject({ accuracy: 2 / 3, retry_at: null });
    expect(Date.parse(records[1].retry_at) - Date.parse(records[1].decided_at)).toBeCloseTo(3_600_000, -3);

    // Once the wait is over it tries again, on gold it has not seen, and passes.
    await service.deps.prisma.projectQualification.update({ where: { projectId_annotatorId: { projectId, annotatorId: fail.id } }, data: { retryAt: new Date(Date.now() - 1000) } });
    for (let i = 0; i < 3; i++) {
      const assignment = await answer(fail.token, "cat");
      expect(gold.has(assignment.task.taskId)).toBe(true);
    }
    expect((await service.rest.get(`/v1/projects/${projectId}/qualifications`, as)).body.data[1]).toMatchObject({ status: "passed", accuracy: 1, retry_at: null });
    expect((await claim(fail.token))?.task.qualifying).toBe(false);

    const other = await registerCustomer(service.rest, "Peek Co");
    expect((await service.rest.get(`/v1/projects/${projectId}/qualifications`, { apiKey: other.apiKey })).status).toBe(404);
    const bad = await service.rest.post("/v1/projects", { name: "Bad", type: "image_classification", label_spec: { question: "Q?", options: ["a", "b"] }, qualification: { gold_items: 0, pass_mark: 1 } }, as);
    expect(bad.body.error.errors[0].path).toBe("qualification.gold_items");
  });
});
