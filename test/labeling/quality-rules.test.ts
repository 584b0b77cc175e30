// A project's automatic quality rules: an annotator is suspended from the
// project exactly when its gold accuracy over the last K gold tasks, or its
// speed over M answers in a row, crosses the configured threshold; its open
// assignments of the project go back to others; a suspension is an event and
// is reversible; other projects are not affected.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAnnotator, NEXT, registerLiveCustomer, SUBMIT } from "../support/annotators.js";
import { startTestService, type TestService } from "../support/harness.js";

let service: TestService;
beforeAll(async () => {
  service = await startTestService();
});
afterAll(() => service.close());

const SPEC = { question: "Cat or dog?", options: ["cat", "dog"] };

const liveCustomer = (name: string) => registerLiveCustomer(service, name);

async function project(as: { apiKey: string }, qualityRules: unknown) {
  const res = await service.rest.post("/v1/projects", { name: "Rules", type: "image_classification", label_spec: SPEC, quality_rules: qualityRules }, as);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.project_id as string;
}

async function submit(as: { apiKey: string }, body: Record<string, unknown>) {
  const res = await service.rest.post("/v1/tasks", { data_url: `https://img.example.com/${Math.random()}.jpg`, ...body }, as);
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body.task_id as string;
}

const claim = async (token: string) => (await service.graphql(NEXT, {}, { apiKey: token })).data?.nextAssignment as { id: string; task: { taskId: string } } | null;
async function answer(token: string, assignmentId: string, label: string) {
  const res = await service.graphql(SUBMIT, { id: assignmentId, answer: { label } }, { apiKey: token });
  expect(res.data.submitJudgment.__typename, JSON.stringify(res)).toBe("MutationSubmitJudgmentSuccess");
}
const suspended = async (as: { apiKey: string }, projectId: string) =>
  ((await service.rest.get(`/v1/projects/${projectId}/suspensions`, as)).body.data as { annotator_id: string; changed_by: string; reason: string }[]);

describe("quality rules", () => {
  it("gold accuracy: suspends on the K-th gold answer that leaves the accuracy below the mark, releases the held task, not the careful annotator", async () => {
    const { as } = await liveCustomer("Gold Co");
    const projectId = await project(as, { gold_accuracy: { min: 0.75, over_last: 4 } });
    // Each test's tasks are claimed before any left open by another (the shared pool takes the highest priority first).
    const held = await submit(as, { project_id: projectId, priority: 10, replication: 1 });
    for (let i = 0; i < 4; i++) await submit(as, { project_id: projectId, replication: 2, gold_answer: { label: "cat" } });
    const [careless, careful] = await Promise.all([createAnnotator(service.graphql, "Careless"), createAnnotator(service.graphql, "Careful")]);

    const first = await claim(careless.token);
    expect(first?.task.taskId).toBe(held);
    const labels = ["dog", "dog", "cat", "cat"]; // 2 of 4 right: 0.5 < 0.75
    for (const [index, label] of labels.entries()) {
      const assignment = await claim(careless.token);
      expect(assignment, `gold ${index}`).not.toBeNull();
      await answer(careless.token, assignment!.id, label);
      // Not before the 4th gold answer: the rule needs 4 to judge.
      expect((await suspended(as, projectId)).length).toBe(index < 3 ? 0 : 1);
    }
    const [suspension] = await suspended(as, projectId);
    expect(suspension).toMatchObject({ annotator_id: careless.id, changed_by: "rule:gold_accuracy", reason: "gold accuracy 0.50 over its last 4 gold tasks, below 0.75" });
    // Its held task went back: the careful annotator gets it, the careless one nothing more of the project.
    expect(await claim(careless.token)).toBeNull();
    const taken = await claim(careful.token);
    expect(taken?.task.taskId).toBe(held);
    await answer(careful.token, taken!.id, "cat");
    for (let i = 0; i < 4; i++) {
      const assignment = await claim(careful.token);
      await answer(careful.token, assignment!.id, "cat");
    }
    expect((await suspended(as, projectId)).map((s) => s.annotator_id)).toEqual([careless.id]);
    await expect
      .poll(async () => (await service.rest.get("/v1/events?types=annotator.suspended", as)).body.data.map((e: { data: unknown }) => e.data), { timeout: 15_000 })
      .toEqual([{ project_id: projectId, annotator_id: careless.id, reason: suspension.reason, changed_by: "rule:gold_accuracy", released_assignments: 1 }]);
  });

  it("fast answers: suspends on the M-th answer in a row under T seconds, only from that project; lifting reverses it", async () => {
    const { as } = await liveCustomer("Speed Co");
    const projectId = await project(as, { fast_answers: { seconds: 2, in_a_row: 3 } });
    for (let i = 0; i < 8; i++) await submit(as, { project_id: projectId, replication: 2, priority: 9 });
    const [clicker, thinker] = await Promise.all([createAnnotator(service.graphql, "Fast clicker"), createAnnotator(service.graphql, "Thinker")]);

    for (let i = 0; i < 3; i++) {
      const assignment = await claim(clicker.token);
      await answer(clicker.token, assignment!.id, "cat");
      expect((await suspended(as, projectId)).length, `after answer ${i + 1}`).toBe(i < 2 ? 0 : 1);
    }
    expect((await suspended(as, projectId))[0]).toMatchObject({ annotator_id: clicker.id, changed_by: "rule:fast_answers" });
    // Someone who takes its time (its claims made to look 5 s old) is never suspended.
    for (let i = 0; i < 4; i++) {
      const assignment = await claim(thinker.token);
      await service.deps.prisma.assignment.update({ where: { id: assignment!.id }, data: { createdAt: new Date(Date.now() - 5_000) } });
      await answer(thinker.token, assignment!.id, "dog");
    }
    expect((await suspended(as, projectId)).map((s) => s.annotator_id)).toEqual([clicker.id]);

    // Only this project: a task of no project is still offered.
    const elsewhere = await submit(as, { type: "image_classification", label_spec: SPEC, priority: 0 });
    expect((await claim(clicker.token))?.task.taskId).toBe(elsewhere);

    expect((await service.rest.delete(`/v1/projects/${projectId}/suspensions/${clicker.id}`, as)).status).toBe(204);
    expect(await suspended(as, projectId)).toEqual([]);
    expect(await claim(clicker.token)).not.toBeNull();
    await expect.poll(async () => (await service.rest.get("/v1/events?types=annotator.reinstated", as)).body.data.length, { timeout: 15_000 }).toBe(1);
    expect((await service.rest.delete(`/v1/projects/${projectId}/suspensions/${clicker.id}`, as)).status).toBe(404);
  });

  it("takes a suspension by hand, checks the rules' shape, and is per tenant", async () => {
    const { as } = await liveCustomer("Hand Co");
    const projectId = await project(as, null);
    await submit(as, { project_id: projectId, priority: 10, replication: 1 });
    const worker = await createAnnotator(service.graphql, "Worker");
    const assignment = await claim(worker.token);
    await answer(worker.token, assignment!.id, "cat");
    const byHand = await service.rest.post(`/v1/projects/${projectId}/suspensions`, { annotator_id: worker.id, reason: "labels pets it cannot see" }, as);
    expect(byHand.status, JSON.stringify(byHand.body)).toBe(201);
    expect(byHand.body).toMatchObject({ annotator_id: worker.id, changed_by: "member", reason: "labels pets it cannot see" });
    // An annotator that never worked for this customer is not known to it.
    const stranger = await createAnnotator(service.graphql, "Stranger");
    expect((await service.rest.post(`/v1/projects/${projectId}/suspensions`, { annotator_id: stranger.id, reason: "x" }, as)).status).toBe(404);

    const bad = await service.rest.post("/v1/projects", { name: "Bad", type: "image_classification", label_spec: SPEC, quality_rules: { gold_accuracy: { min: 2, over_last: 0 } } }, as);
    expect(bad.status).toBe(400);
    expect(bad.body.error.errors.map((e: { path: string }) => e.path).sort()).toEqual(["quality_rules.gold_accuracy.min", "quality_rules.gold_accuracy.over_last"]);

    const other = await liveCustomer("Other Co");
    expect((await service.rest.get(`/v1/projects/${projectId}/suspensions`, other.as)).status).toBe(404);
    expect((await service.rest.post(`/v1/projects/${projectId}/suspensions`, { annotator_id: worker.id, reason: "x" }, other.as)).status).toBe(404);
    expect((await service.rest.delete(`/v1/projects/${projectId}/suspensions/${worker.id}`, other.as)).status).toBe(404);
    const patched = await service.rest.request("PATCH", `/v1/projects/${projectId}`, { quality_rules: { fast_answers: { seconds: 1.5, in_a_row: 5 } } }, as);
    expect(patched.body.quality_rules).toEqual({ fast_answers: { seconds: 1.5, in_a_row: 5 } });
    // The same over GraphQL.
    const lifted = await service.graphql(`mutation($p: ID!, $a: ID!) { liftProjectSuspension(projectId: $p, annotatorId: $a) { __typename ... on MutationLiftProjectSuspensionSuccess { data } } }`, { p: projectId, a: worker.id }, as);
    expect(lifted.data.liftProjectSuspension.data).toBe(true);
    const again = await service.graphql(
      `mutation($p: ID!, $a: ID!) { suspendFromProject(projectId: $p, annotatorId: $a, reason: "again") { __typename ... on MutationSuspendFromProjectSuccess { data } } }`,
      { p: projectId, a: worker.id },
      as,
    );
    expect(again.data.suspendFromProject.data).toMatchObject({ annotator_id: worker.id, reason: "again", changed_by: "member" });
    const read = await service.graphql(`query($id: ID!) { project(id: $id) { qualityRules suspensions } }`, { id: projectId }, as);
    expect(read.data.project.qualityRules).toEqual({ fast_answers: { seconds: 1.5, in_a_row: 5 } });
    expect(read.data.project.suspensions).toMatchObject([{ annotator_id: worker.id, name: "Worker", reason: "again" }]);
  });
});
