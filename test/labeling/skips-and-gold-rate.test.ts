// The skips rule and gold interleaving: an annotator that skips more than M
// of its last K claims of a project's tasks is slowed (none of them for a
// pause, then counted afresh); a project's gold_rate makes about that share
// of an annotator's claims its gold tasks, whatever their age, except while it
// qualifies (then gold only).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAnnotator, NEXT, registerLiveCustomer, RELEASE, SUBMIT } from "../support/annotators.js";
import { startTestService, type TestService } from "../support/harness.js";

let service: TestService;
beforeAll(async () => {
  service = await startTestService();
});
afterAll(() => service.close());

const SPEC = { question: "Cat or dog?", options: ["cat", "dog"] };

const liveCustomer = async (name: string) => (await registerLiveCustomer(service, name)).as;

async function project(as: { apiKey: string }, settings: Record<string, unknown>) {
  const res = await service.rest.post("/v1/projects", { name: "P", type: "image_classification", label_spec: SPEC, ...settings }, as);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.project_id as string;
}

/** `count` tasks of the project in one batch; their ids in order. */
async function submit(as: { apiKey: string }, projectId: string, count: number, fields: Record<string, unknown> = {}) {
  const tasks = Array.from({ length: count }, (_, i) => ({ data_url: `https://img.example.com/${Math.random()}-${i}.jpg`, project_id: projectId, ...fields }));
  const res = await service.rest.post("/v1/tasks/batch", { tasks }, as);
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body.task_ids as string[];
}

/** Cancels what a test left open, so the next one's annotators meet only their own tasks (the shared pool serves every customer). */
async function cancelOpen(as: { apiKey: string }, projectId: string) {
  const open = await service.deps.prisma.task.findMany({ where: { projectId, status: { in: ["pending", "in_progress"] } }, select: { id: true } });
  for (const { id } of open) expect((await service.rest.post(`/v1/tasks/${id}/cancel`, {}, as)).status).toBe(200);
}

const claim = async (token: string) => (await service.graphql(NEXT, {}, { apiKey: token })).data?.nextAssignment as { id: string; task: { taskId: string } } | null;
async function skip(token: string, assignmentId: string) {
  const res = await service.graphql(RELEASE, { id: assignmentId }, { apiKey: token });
  expect(res.data.releaseAssignment.__typename, JSON.stringify(res)).not.toBe("AppError");
}
async function answer(token: string, assignmentId: string) {
  const res = await service.graphql(SUBMIT, { id: assignmentId, answer: { label: "cat" } }, { apiKey: token });
  expect(res.data.submitJudgment.__typename, JSON.stringify(res)).toBe("MutationSubmitJudgmentSuccess");
}
const suspensions = async (as: { apiKey: string }, projectId: string) =>
  (await service.rest.get(`/v1/projects/${projectId}/suspensions`, as)).body.data as { annotator_id: string; changed_by: string; reason: string; until: string | null }[];

describe("the skips rule", () => {
  it("slows an annotator on the skip that passes the limit, for the pause, then counts its claims afresh", async () => {
    const as = await liveCustomer("Skips Co");
    const projectId = await project(as, { priority: 10, quality_rules: { skips: { max: 2, over_last: 4, pause_minutes: 10 } } });
    const tasks = await submit(as, projectId, 6, { replication: 1 });
    const [skipper, other] = await Promise.all([createAnnotator(service.graphql, "Skipper"), createAnnotator(service.graphql, "Other")]);

    // One answered, then skips: the third skip of its last four claims is one too many.
    await answer(skipper.token, (await claim(skipper.token))!.id);
    const skippedTasks: string[] = [];
    for (let i = 0; i < 3; i++) {
      const assignment = (await claim(skipper.token))!;
      skippedTasks.push(assignment.task.taskId);
      await skip(skipper.token, assignment.id);
      expect((await suspensions(as, projectId)).length, `after skip ${i + 1}`).toBe(i < 2 ? 0 : 1);
    }
    const [slowdown] = await suspensions(as, projectId);
    expect(slowdown).toMatchObject({ annotator_id: skipper.id, changed_by: "rule:skips", reason: "skipped 3 of its last 4 tasks (more than 2); paused for 10 min" });
    const pause = Date.parse(slowdown.until!) - Date.now();
    expect(pause).toBeGreaterThan(9 * 60_000);
    expect(pause).toBeLessThanOrEqual(10 * 60_000);
    expect(await claim(skipper.token)).toBeNull();
    // What it skipped goes to others.
    const taken = new Set<string>();
    for (let assignment = await claim(other.token); assignment; assignment = await claim(other.token)) {
      taken.add(assignment.task.taskId);
      await answer(other.token, assignment.id);
    }
    expect([...taken].sort()).toEqual(tasks.slice(1).sort());
    expect(skippedTasks.every((id) => taken.has(id))).toBe(true);
    await expect
      .poll(async () => (await service.rest.get("/v1/events?types=annotator.slowed", as)).body.data.map((e: { data: unknown }) => e.data), { timeout: 15_000 })
      .toEqual([{ project_id: projectId, annotator_id: skipper.id, reason: slowdown.reason, changed_by: "rule:skips", released_assignments: 0, until: slowdown.until }]);

    // The pause ends (as if 10 minutes passed): it is offered the project's tasks again, no longer listed,
    // and its earlier skips no longer count: one more skip does not slow it.
    await service.deps.prisma.projectSuspension.update({ where: { projectId_annotatorId: { projectId, annotatorId: skipper.id } }, data: { until: new Date(Date.now() - 1000) } });
    expect(await suspensions(as, projectId)).toEqual([]);
    const [fresh] = await submit(as, projectId, 3, { replication: 1 });
    const again = (await claim(skipper.token))!;
    expect(again.task.taskId).toBe(fresh);
    await skip(skipper.token, again.id);
    expect(await suspensions(as, projectId)).toEqual([]);
    // Two more skips make three of its last three claims: slowed again, and lifting it by hand reverses it.
    for (let i = 0; i < 2; i++) await skip(skipper.token, (await claim(skipper.token))!.id);
    expect((await suspensions(as, projectId)).map((s) => s.changed_by)).toEqual(["rule:skips"]);
    expect((await service.rest.delete(`/v1/projects/${projectId}/suspensions/${skipper.id}`, as)).status).toBe(204);
    expect(await suspensions(as, projectId)).toEqual([]);
    await cancelOpen(as, projectId);
  });

  it("checks the rule's shape", async () => {
    const as = await liveCustomer("Shape Co");
    const bad = await service.rest.post("/v1/projects", { name: "Bad", type: "image_classification", label_spec: SPEC, quality_rules: { skips: { max: 1, over_last: 5, pause_minutes: 0 } } }, as);
    expect(bad.status).toBe(400);
    expect(bad.body.error.errors.map((e: { path: string }) => e.path).sort()).toEqual(["quality_rules.skips.pause_minutes"]);
    const refined = await service.rest.post("/v1/projects", { name: "Bad", type: "image_classification", label_spec: SPEC, quality_rules: { skips: { max: 5, over_last: 5, pause_minutes: 1 } } }, as);
    expect(refined.status).toBe(400);
    expect(refined.body.error.errors).toMatchObject([{ path: "quality_rules.skips.max", message: "max must be less than over_last" }]);
    const rate = await service.rest.post("/v1/projects", { name: "Bad", type: "image_classification", label_spec: SPEC, gold_rate: 1.5 }, as);
    expect(rate.status).toBe(400);
    expect(rate.body.error.errors.map((e: { path: string }) => e.path)).toEqual(["gold_rate"]);
  });
});

describe("gold interleaving", () => {
  it("makes about gold_rate of an annotator's claims gold, though the gold is older than every other task", async () => {
    const as = await liveCustomer("Gold Rate Co");
    const projectId = await project(as, { priority: 9, gold_rate: 0.25 });
    const gold = new Set(await submit(as, projectId, 60, { replication: 1, gold_answer: { label: "cat" } }));
    await submit(as, projectId, 150, { replication: 1 });
    expect((await service.rest.get(`/v1/projects/${projectId}`, as)).body.gold_rate).toBe(0.25);
    const annotator = await createAnnotator(service.graphql, "Steady");
    let goldClaims = 0;
    for (let i = 0; i < 120; i++) {
      const assignment = (await claim(annotator.token))!;
      if (gold.has(assignment.task.taskId)) goldClaims++;
      await answer(annotator.token, assignment.id);
    }
    // Binomial(120, 0.25): mean 30, sd 4.7; without the rate all 60 gold tasks would come first.
    expect(goldClaims).toBeGreaterThanOrEqual(12);
    expect(goldClaims).toBeLessThanOrEqual(48);
    // Nothing in what an annotator is offered tells gold apart.
    const fields = (await service.graphql(`{ __type(name: "WorkItem") { fields { name } } }`, {}, { apiKey: annotator.token })).data.__type.fields.map((f: { name: string }) => f.name);
    expect(fields.filter((name: string) => /gold/i.test(name))).toEqual([]);
    await cancelOpen(as, projectId);
  });

  it("offers only gold to an annotator still qualifying, whatever the rate", async () => {
    const as = await liveCustomer("Qualify Co");
    const projectId = await project(as, { priority: 8, gold_rate: 0.01, qualification: { gold_items: 3, pass_mark: 0.5 } });
    await submit(as, projectId, 10, { replication: 1 });
    const gold = new Set(await submit(as, projectId, 3, { replication: 1, gold_answer: { label: "cat" } }));
    const newcomer = await createAnnotator(service.graphql, "Newcomer");
    for (let i = 0; i < 3; i++) {
      const assignment = (await claim(newcomer.token))!;
      expect(gold.has(assignment.task.taskId), `claim ${i + 1}`).toBe(true);
      await answer(newcomer.token, assignment.id);
    }
    // Passed: the rest of the project (no gold left) comes next.
    const next = (await claim(newcomer.token))!;
    expect(gold.has(next.task.taskId)).toBe(false);
    await cancelOpen(as, projectId);
  });
});
