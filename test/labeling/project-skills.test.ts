// A project's skill table: each annotator that judged its tasks, with its
// judgments, agreement with the completed results, accuracy on the project's
// gold and its standing; only the project's customer reads it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAnnotator, NEXT, registerLiveCustomer, SUBMIT } from "../support/annotators.js";
import { registerCustomer } from "../support/fixtures.js";
import { startTestService, type TestService } from "../support/harness.js";

let service: TestService;
beforeAll(async () => {
  service = await startTestService();
});
afterAll(() => service.close());

const SPEC = { question: "Cat or dog?", options: ["cat", "dog"] };

describe("GET /v1/projects/{id}/annotators", () => {
  it("shows each annotator's judgments, agreement, gold accuracy and suspension, to the project's customer only", async () => {
    const { as } = await registerLiveCustomer(service, "Skills Co");
    const created = await service.rest.post("/v1/projects", { name: "Pets", type: "image_classification", label_spec: SPEC, priority: 10, replication: 2 }, as);
    const projectId = created.body.project_id as string;
    const task = (extra: Record<string, unknown> = {}) => ({ data_url: `https://img.example.com/${Math.random()}.jpg`, project_id: projectId, ...extra });
    // Two gold tasks (cat), then two ordinary ones.
    const batch = await service.rest.post("/v1/tasks/batch", { tasks: [task({ gold_answer: { label: "cat" } }), task({ gold_answer: { label: "cat" } }), task(), task()] }, as);
    expect(batch.status).toBe(202);
    const [careful, careless] = await Promise.all([createAnnotator(service.graphql, "Careful"), createAnnotator(service.graphql, "Careless")]);
    // Each judges the four tasks in queue order: the careful one always "cat", the careless one "dog" on the second gold.
    const labels = { [careful.id]: ["cat", "cat", "cat", "cat"], [careless.id]: ["cat", "dog", "cat", "cat"] };
    for (const annotator of [careful, careless]) {
      for (const label of labels[annotator.id]) {
        const assignment = (await service.graphql(NEXT, {}, { apiKey: annotator.token })).data.nextAssignment;
        const res = await service.graphql(SUBMIT, { id: assignment.id, answer: { label } }, { apiKey: annotator.token });
        expect(res.data.submitJudgment.__typename).toBe("MutationSubmitJudgmentSuccess");
      }
    }
    await service.rest.post(`/v1/projects/${projectId}/suspensions`, { annotator_id: careless.id, reason: "misses cats" }, as);

    const table = await service.rest.get(`/v1/projects/${projectId}/annotators`, as);
    expect(table.status).toBe(200);
    expect(table.body.data).toMatchObject([
      { annotator_id: careful.id, name: "Careful", judgments: 4, gold_answered: 2, gold_accuracy: 1, qualification: null, suspended: null },
      { annotator_id: careless.id, name: "Careless", judgments: 4, gold_answered: 2, gold_accuracy: 0.5, suspended: { changed_by: "member", until: null } },
    ]);
    // All four tasks completed with two judgments: the careful one matched every result; the careless one all but the gold it missed
    // (a disagreement on a two-vote task leaves the result to the more reliable voter).
    const [first, second] = table.body.data;
    expect(first.agreement).toBeGreaterThan(second.agreement);
    expect(second.agreement).toBeGreaterThanOrEqual(0.75);
    const graphql = await service.graphql(`query($id: ID!) { project(id: $id) { annotators } }`, { id: projectId }, as);
    expect(graphql.data.project.annotators).toEqual(table.body.data);

    const other = await registerCustomer(service.rest, "Other Co");
    expect((await service.rest.get(`/v1/projects/${projectId}/annotators`, { apiKey: other.apiKey })).status).toBe(404);
  });
});
