// Work teams: a customer's own annotators, invited by link. A team's project is
// offered only to the team's active members and they label nothing else;
// suspension releases a member's open assignments; every team is its tenant's.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAnnotator, makeLive, NEXT, SUBMIT } from "../support/annotators.js";
import { registerCustomer, type Customer } from "../support/fixtures.js";
import { startTestService, type TestService } from "../support/harness.js";

let service: TestService;
beforeAll(async () => {
  service = await startTestService();
});
afterAll(() => service.close());

const SPEC = { question: "Cat or dog?", options: ["cat", "dog"] };

/** A live customer with a work team of `size` joined annotators, and a project labeled by it. */
async function customerWithTeam(size: number, name = "Team Co") {
  const customer: Customer = await registerCustomer(service.rest, name);
  const sandboxKey = customer.apiKey;
  customer.apiKey = await makeLive(service.graphql, customer.customerId);
  const as = { apiKey: customer.apiKey };
  const team = await service.rest.post("/v1/work-teams", { name: "In-house" }, as);
  expect(team.status, JSON.stringify(team.body)).toBe(201);
  const members: { id: string; token: string }[] = [];
  for (let i = 0; i < size; i++) {
    const invite = await service.rest.post(`/v1/work-teams/${team.body.team_id}/invitations`, undefined, as);
    expect(invite.status).toBe(201);
    const joined = await service.rest.post("/v1/work-teams/join", { token: invite.body.token, name: `${name} labeler ${i}` });
    expect(joined.status, JSON.stringify(joined.body)).toBe(201);
    members.push({ id: joined.body.annotator_id, token: joined.body.token });
  }
  const project = await service.rest.post("/v1/projects", { name: "Pets", type: "image_classification", label_spec: SPEC, work_team_id: team.body.team_id, replication: 1 }, as);
  expect(project.status, JSON.stringify(project.body)).toBe(201);
  return { customer, as, sandboxKey, teamId: team.body.team_id as string, members, projectId: project.body.project_id as string };
}

async function submitTasks(apiKey: string, count: number, extra: Record<string, unknown>) {
  const tasks = Array.from({ length: count }, (_, i) => ({ data_url: `https://img.example.com/${Math.random()}-${i}.jpg`, ...extra }));
  const res = await service.rest.post("/v1/tasks/batch", { tasks }, { apiKey });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body.batch_id as string;
}

const claim = async (token: string) => (await service.graphql(NEXT, {}, { apiKey: token })).data?.nextAssignment as { id: string; task: { taskId: string } } | null;

/** Claims and answers until nothing is offered; answers the task ids it judged. */
async function labelUntilDry(token: string): Promise<string[]> {
  const judged: string[] = [];
  for (;;) {
    const assignment = await claim(token);
    if (!assignment) return judged;
    const submitted = await service.graphql(SUBMIT, { id: assignment.id, answer: { label: "cat" } }, { apiKey: token });
    expect(submitted.data.submitJudgment.__typename, JSON.stringify(submitted)).toBe("MutationSubmitJudgmentSuccess");
    judged.push(assignment.task.taskId);
  }
}

describe("work teams", () => {
  it("invites by a single-use link; the joined annotator's token works, a second use of the link does not", async () => {
    const { as, teamId, members } = await customerWithTeam(1, "Invite Co");
    const invite = await service.rest.post(`/v1/work-teams/${teamId}/invitations`, undefined, as);
    expect(invite.body).toMatchObject({ token: expect.stringMatching(/^wti_/), url: expect.stringContaining(`/annotate#join=${invite.body.token}`), expires_at: expect.any(String) });
    expect((await service.rest.post("/v1/work-teams/join", { token: invite.body.token, name: "Ada" })).status).toBe(201);
    const again = await service.rest.post("/v1/work-teams/join", { token: invite.body.token, name: "Eve" });
    expect(again.status).toBe(404);
    const bad = await service.rest.post("/v1/work-teams/join", { token: "wti_nope", name: "Eve" });
    expect(bad.status).toBe(400);
    expect(bad.body.error.errors[0].path).toBe("token");
    const me = await service.graphql(`{ currentAnnotator { id name } }`, {}, { apiKey: members[0].token });
    expect(me.data.currentAnnotator).toEqual({ id: members[0].id, name: "Invite Co labeler 0" });
    const team = await service.rest.get(`/v1/work-teams/${teamId}`, as);
    expect(team.body.members.map((m: { name: string; status: string }) => [m.name, m.status])).toEqual([
      ["Invite Co labeler 0", "active"],
      ["Ada", "active"],
    ]);
    expect(team.body.members[0]).toMatchObject({ gold_answered: 0, gold_accuracy: null, judgments: 0, agreement: null });
  });

  it("offers a team's project only to its members and the shared pool only the rest, under concurrent claims", async () => {
    const { customer, members, projectId } = await customerWithTeam(3, "Split Co");
    const pool = await Promise.all([0, 1, 2].map((i) => createAnnotator(service.graphql, `Pool ${i}`)));
    const other = await customerWithTeam(2, "Other Co");
    await submitTasks(customer.apiKey, 30, { project_id: projectId });
    await submitTasks(customer.apiKey, 30, { type: "image_classification", label_spec: SPEC, replication: 1 });
    await submitTasks(other.customer.apiKey, 10, { project_id: other.projectId });

    const everyone = [...members.map((m) => ({ ...m, team: "split" })), ...pool.map((p) => ({ ...p, team: "pool" })), ...other.members.map((m) => ({ ...m, team: "other" }))];
    const judged = await Promise.all(everyone.map((annotator) => labelUntilDry(annotator.token)));
    const teamOf = new Map<string, string>();
    everyone.forEach((annotator, i) => judged[i].forEach((taskId) => teamOf.set(taskId, (teamOf.get(taskId) ?? "") + annotator.team)));
    const tasks = await service.deps.prisma.task.findMany({ where: { customerId: { in: [customer.customerId, other.customer.customerId] } } });
    // Every task judged exactly once (replication 1), by the workforce it belongs to.
    for (const task of tasks) {
      const expected = task.customerId === other.customer.customerId ? "other" : task.projectId ? "split" : "pool";
      expect(teamOf.get(task.id), task.id).toBe(expected);
      expect(task.status).toBe("completed");
    }
    expect(tasks).toHaveLength(70);
    // Each member did some of its team's work (the claims really ran side by side).
    expect(judged.slice(0, 3).every((list) => list.length > 0)).toBe(true);
  });

  it("suspends a member: its open assignment goes to another member at once, it is offered nothing, the customer sees why; reinstating restores it", async () => {
    const { customer, as, teamId, members, projectId } = await customerWithTeam(2, "Suspend Co");
    await submitTasks(customer.apiKey, 1, { project_id: projectId });
    const held = await claim(members[0].token);
    expect(held).not.toBeNull();
    expect(await claim(members[1].token)).toBeNull(); // its only task is held

    const suspended = await service.rest.post(`/v1/work-teams/${teamId}/members/${members[0].id}/suspend`, { reason: "too fast on gold" }, as);
    expect(suspended.status, JSON.stringify(suspended.body)).toBe(200);
    expect(suspended.body).toMatchObject({ status: "suspended", reason: "too fast on gold", released_assignments: 1 });
    const late = await service.graphql(SUBMIT, { id: held!.id, answer: { label: "dog" } }, { apiKey: members[0].token });
    expect(late.data.submitJudgment.__typename).toBe("AppError");
    expect(await claim(members[0].token)).toBeNull();
    const taken = await claim(members[1].token);
    expect(taken?.task.taskId).toBe(held!.task.taskId);

    // The feed serves an event once no older transaction can still commit before it (event-feed.ts): poll, for as long as other tests hold transactions open.
    const eventsOf = async (type: string) => (await service.rest.get(`/v1/events?types=${type}`, as)).body.data;
    await expect.poll(async () => (await eventsOf("annotator.suspended")).length, { timeout: 15_000 }).toBe(1);
    expect((await eventsOf("annotator.suspended"))[0].data).toMatchObject({ team_id: teamId, annotator_id: members[0].id, reason: "too fast on gold", changed_by: "member", released_assignments: 1 });
    const team = await service.rest.get(`/v1/work-teams/${teamId}`, as);
    expect(team.body.members[0]).toMatchObject({ status: "suspended", reason: "too fast on gold" });

    expect((await service.rest.post(`/v1/work-teams/${teamId}/members/${members[0].id}/reinstate`, {}, as)).body).toMatchObject({ status: "active" });
    await submitTasks(customer.apiKey, 1, { project_id: projectId });
    expect(await claim(members[0].token)).not.toBeNull();
    await expect.poll(async () => (await eventsOf("annotator.reinstated")).length, { timeout: 15_000 }).toBe(1);
    // Removed: gone for good (a second removal or a reinstatement is a 404).
    expect((await service.rest.delete(`/v1/work-teams/${teamId}/members/${members[0].id}`, as)).status).toBe(204);
    expect((await service.rest.post(`/v1/work-teams/${teamId}/members/${members[0].id}/reinstate`, {}, as)).status).toBe(404);
    expect(await claim(members[0].token)).toBeNull();
  });

  it("a suspension racing claims never leaves the suspended member an open assignment", async () => {
    const { customer, as, teamId, members, projectId } = await customerWithTeam(1, "Race Co");
    await submitTasks(customer.apiKey, 40, { project_id: projectId, replication: 2 });
    const claims = (async () => {
      const held: string[] = [];
      for (let i = 0; i < 40; i++) {
        const assignment = await claim(members[0].token);
        if (!assignment) break;
        held.push(assignment.id);
      }
      return held;
    })();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const suspended = await service.rest.post(`/v1/work-teams/${teamId}/members/${members[0].id}/suspend`, { reason: "race" }, as);
    expect(suspended.status).toBe(200);
    await claims;
    const open = await service.deps.prisma.assignment.count({ where: { annotatorId: members[0].id, status: "active" } });
    expect(open).toBe(0);
  });

  it("moves a project's open tasks when its team changes, and sandbox team tasks go to the team, not the simulated crowd", async () => {
    const { customer, as, teamId, members, projectId } = await customerWithTeam(1, "Move Co");
    const pool = await createAnnotator(service.graphql, "Pool mover");
    await submitTasks(customer.apiKey, 2, { project_id: projectId });
    expect((await service.rest.request("PATCH", `/v1/projects/${projectId}`, { work_team_id: null }, as)).body.work_team_id).toBeNull();
    expect(await claim(members[0].token)).toBeNull();
    expect(await claim(pool.token)).not.toBeNull();
    expect((await service.rest.request("PATCH", `/v1/projects/${projectId}`, { work_team_id: teamId }, as)).body.work_team_id).toBe(teamId);
    expect(await claim(members[0].token)).not.toBeNull();

    // A sandbox team: its project's tasks wait for its people.
    const sandbox = await registerCustomer(service.rest, "Sandbox Team Co");
    const team = await service.rest.post("/v1/work-teams", { name: "Testers" }, { apiKey: sandbox.apiKey });
    const project = await service.rest.post("/v1/projects", { name: "Try", type: "image_classification", label_spec: SPEC, work_team_id: team.body.team_id }, { apiKey: sandbox.apiKey });
    const batch = await submitTasks(sandbox.apiKey, 1, { project_id: project.body.project_id });
    const [task] = await service.deps.prisma.task.findMany({ where: { batchId: batch } });
    expect(task).toMatchObject({ workforce: "human", workTeamId: team.body.team_id, status: "pending" });
  });

  it("is its tenant's: another customer or environment cannot read, invite into, change or use a team", async () => {
    const { as, teamId, members, sandboxKey } = await customerWithTeam(1, "Owner Co");
    const stranger = await registerCustomer(service.rest, "Stranger Co");
    const theirs = { apiKey: stranger.apiKey };
    expect((await service.rest.get(`/v1/work-teams/${teamId}`, theirs)).status).toBe(404);
    expect((await service.rest.get("/v1/work-teams", theirs)).body.data).toEqual([]);
    expect((await service.rest.post(`/v1/work-teams/${teamId}/invitations`, undefined, theirs)).status).toBe(404);
    expect((await service.rest.post(`/v1/work-teams/${teamId}/members/${members[0].id}/suspend`, {}, theirs)).status).toBe(404);
    expect((await service.rest.request("PATCH", `/v1/work-teams/${teamId}`, { name: "Mine" }, theirs)).status).toBe(404);
    const project = await service.rest.post("/v1/projects", { name: "Steal", type: "image_classification", label_spec: SPEC, work_team_id: teamId }, theirs);
    expect(project.status).toBe(400);
    expect(project.body.error.errors[0]).toMatchObject({ path: "work_team_id" });
    // The owner's own sandbox key is another environment.
    expect((await service.rest.get(`/v1/work-teams/${teamId}`, { apiKey: sandboxKey })).status).toBe(404);
    expect((await service.rest.post("/v1/projects", { name: "Cross", type: "image_classification", label_spec: SPEC, work_team_id: teamId }, { apiKey: sandboxKey })).status).toBe(400);
    const graphqlView = await service.graphql(`query($id: ID!) { workTeam(id: $id) { id members { name } } }`, { id: teamId }, theirs);
    expect(graphqlView.data.workTeam).toBeNull();
    const mine = await service.graphql(`query($id: ID!) { workTeam(id: $id) { name members { name status goldAccuracy } } }`, { id: teamId }, as);
    expect(mine.data.workTeam).toEqual({ name: "In-house", members: [{ name: "Owner Co labeler 0", status: "ACTIVE", goldAccuracy: null }] });
  });
});
