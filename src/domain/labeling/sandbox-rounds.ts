// The simulated crowd at database speed: one round claims many open sandbox
// tasks at once (FOR UPDATE SKIP LOCKED, so any number of processes share the
// queue), gives each the judgments it wants from crowd members who have not
// judged it, and aggregates and completes them by the engine's own rules
// (completion.ts, lifecycle.ts), in a few statements per round rather than
// about fifteen round trips per judgment. A round's tasks of one label space
// are aggregated together (one Dawid–Skene fit over the recent tasks and
// these). Which members judge a task is drawn from the seed, so a sandbox run
// is repeatable.
import { transaction, type Tx } from "../../db/transaction.js";
import type { Deps } from "../../deps.js";
import type { Annotator, Task } from "../../generated/prisma/client.js";
import { newId, seededRandom, seedFrom } from "../shared/index.js";
import { aggregateEach, completeTasks, publishTaskStatus, taskColumnsOf, taskTypeOf, type Aggregate, type Completion, type Vote } from "../tasks/index.js";
import {
  aggregationContext,
  applyReliabilityChanges,
  completionOf,
  wantsAnotherJudgment,
  type ReliabilityChange,
  type Voter,
} from "./completion.js";
import { simulatedAnswer, type SimulatedAnnotator } from "./sandbox-crowd.js";
import { labelSpaceKey, recentVotesOf } from "./vote-history.js";
import { applyProjectRules } from "../workforce/quality-rules.js";

/** Tasks one round claims at most: large enough to amortize its statements, small enough to hold its locks briefly. */
export const ROUND_SIZE = 200;

export type CrowdMember = Annotator & SimulatedAnnotator;

export interface RoundOutcome {
  tasks: Task[];
  judgments: number;
  /** Who judged a task of which project: the pairs whose quality rules are checked after the round. */
  judgedOnProjects: { projectId: string; annotatorId: string }[];
}

/** One round: the completed tasks (published once committed) and the judgments given. */
export async function labelSandboxRound(
  deps: Pick<Deps, "prisma" | "pubsub" | "config">,
  crowd: CrowdMember[],
  options: { seed: number; limit?: number },
): Promise<RoundOutcome> {
  const outcome = await transaction(deps.prisma, (tx) => runRound(tx, deps, crowd, options.seed, options.limit ?? ROUND_SIZE));
  for (const task of outcome.tasks) await publishTaskStatus(deps, task);
  // As after a person's judgment: a member that now breaks a project's rule is suspended from it.
  for (const { projectId, annotatorId } of outcome.judgedOnProjects) await applyProjectRules(deps, projectId, annotatorId);
  return outcome;
}

/** A task of the round as its judgments gather. */
interface InRound {
  task: Task;
  voters: Voter[];
  /** Members who may still judge it, in its draw order. */
  candidates: CrowdMember[];
  given: { member: CrowdMember; answer: unknown }[];
  target: number;
}

async function runRound(tx: Tx, deps: Pick<Deps, "config">, crowd: CrowdMember[], seed: number, limit: number): Promise<RoundOutcome> {
  const tasks = await claimOpenTasks(tx, limit);
  if (tasks.length === 0) return { tasks: [], judgments: 0, judgedOnProjects: [] };
  const taken = await takenSlots(tx, tasks.map((task) => task.id));
  const suspended = await suspendedFrom(tx, tasks);
  // The members' counts as they are now (reliability weighs their votes).
  const standing = new Map((await tx.annotator.findMany({ where: { id: { in: crowd.map((m) => m.id) } } })).map((a) => [a.id, a]));
  const members = crowd.map((member) => ({ ...member, ...standing.get(member.id) }));

  let open: InRound[] = [];
  for (const task of tasks) {
    const own = taken.get(task.id) ?? { voters: [], leased: 0, members: new Set<string>() };
    // Slots leased to someone else (a worker that died) come back with their lease; this round leaves the task to them.
    if (own.leased > 0) continue;
    const candidates = membersInDrawOrder(seed, task, members).filter(
      (member) => !own.members.has(member.id) && !suspended.has(`${task.projectId}:${member.id}`),
    );
    const entry = { task, voters: own.voters, candidates, given: [], target: task.targetJudgments };
    giveJudgments(entry, seed);
    if (entry.voters.length > 0) open.push(entry); // else no member is left who may judge it
  }

  // Aggregated a label space at a time; a task short of its min_confidence gets one more judgment, as through the annotator API.
  const done: { entry: InRound; aggregate: Aggregate<unknown> }[] = [];
  const recentByLabelSpace = new Map<string, Promise<Vote[][]>>();
  while (open.length > 0) {
    const again: InRound[] = [];
    for (const group of groupBy(open, (entry) => labelSpaceKey(entry.task))) {
      const { task } = group[0];
      const key = labelSpaceKey(task);
      const recent = () => {
        if (!recentByLabelSpace.has(key)) recentByLabelSpace.set(key, recentVotesOf(tx, task));
        return recentByLabelSpace.get(key)!;
      };
      const voters = group.flatMap((entry) => entry.voters);
      const aggregates = await aggregateEach(taskTypeOf(task), group.map((entry) => entry.voters), task.labelSpec, aggregationContext(voters, recent));
      group.forEach((entry, i) => {
        if (wantsAnotherJudgment(entry.task, entry.target, aggregates[i].confidence) && entry.candidates.length > 0) {
          entry.target++;
          giveJudgments(entry, seed);
          again.push(entry);
        } else done.push({ entry, aggregate: aggregates[i] });
      });
    }
    open = again;
  }

  const completions: Completion[] = [];
  const changes: ReliabilityChange[] = [];
  for (const { entry, aggregate } of done) {
    const completion = completionOf(entry.task, entry.voters, aggregate);
    completions.push({ task: entry.task, outcome: completion.outcome, judgmentCount: entry.voters.length, targetJudgments: Math.max(entry.target, entry.voters.length) });
    changes.push(...completion.changes);
  }
  const judgments = done.flatMap(({ entry }) => entry.given.map((given) => ({ task: entry.task, ...given })));
  await insertJudgments(tx, judgments);
  await applyReliabilityChanges(tx, changes);
  const completed = await completeTasks(tx, completions, deps.config);
  const judgedOnProjects = new Map<string, { projectId: string; annotatorId: string }>();
  for (const { task, member } of judgments) if (task.projectId) judgedOnProjects.set(`${task.projectId}:${member.id}`, { projectId: task.projectId, annotatorId: member.id });
  return { tasks: completed, judgments: judgments.length, judgedOnProjects: [...judgedOnProjects.values()] };
}

/** "project:annotator" of the members suspended from the round's tasks' projects. */
async function suspendedFrom(tx: Tx, tasks: Task[]): Promise<Set<string>> {
  const projectIds = [...new Set(tasks.map((task) => task.projectId).filter((id): id is string => id !== null))];
  if (projectIds.length === 0) return new Set();
  const rows = await tx.projectSuspension.findMany({ where: { projectId: { in: projectIds } }, select: { projectId: true, annotatorId: true } });
  return new Set(rows.map((row) => `${row.projectId}:${row.annotatorId}`));
}

/** Judgments from the next members in draw order until the task has its target (or nobody is left). */
function giveJudgments(entry: InRound, seed: number) {
  const answerOf = taskTypeOf(entry.task).answer(entry.task.labelSpec, entry.task.data);
  while (entry.voters.length < entry.target && entry.candidates.length > 0) {
    const member = entry.candidates.shift()!;
    // Checked like any judgment: the answer must fit the task's label_spec.
    const answer = answerOf.parse(simulatedAnswer(seed, entry.task, member));
    entry.given.push({ member, answer });
    entry.voters.push({ annotatorId: member.id, answer, annotator: member });
  }
}

function groupBy<T>(items: T[], keyOf: (item: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(keyOf(item), [...(groups.get(keyOf(item)) ?? []), item]);
  return [...groups.values()];
}

/** Open sandbox tasks by priority then age, locked; rows another round holds are skipped. */
async function claimOpenTasks(tx: Tx, limit: number): Promise<Task[]> {
  // Pending and started tasks are searched apart, each along the queue index in its order.
  const open = (status: string) => `SELECT ${taskColumnsOf("t")} FROM tasks t WHERE t.workforce = 'simulated' AND t.status = '${status}'
    ORDER BY t.priority DESC, t.id ASC LIMIT ${Number(limit)} FOR UPDATE OF t SKIP LOCKED`;
  return tx.$queryRawUnsafe<Task[]>(
    `WITH started AS (${open("in_progress")}), pending AS (${open("pending")}) SELECT * FROM started UNION ALL SELECT * FROM pending`,
  );
}

/** Judgments already given and live leases on these tasks (from the annotator API, or a worker that died mid-task). */
async function takenSlots(tx: Tx, taskIds: string[]) {
  const assignments = await tx.assignment.findMany({
    where: { taskId: { in: taskIds }, status: { in: ["active", "submitted"] } },
    include: { judgment: true, annotator: true },
  });
  const taken = new Map<string, { voters: Voter[]; leased: number; members: Set<string> }>();
  for (const assignment of assignments) {
    const entry = taken.get(assignment.taskId) ?? { voters: [], leased: 0, members: new Set<string>() };
    entry.members.add(assignment.annotatorId);
    if (assignment.judgment) entry.voters.push({ annotatorId: assignment.annotatorId, answer: assignment.judgment.answer, annotator: assignment.annotator });
    else if (assignment.status === "active" && assignment.leasedUntil.getTime() > Date.now()) entry.leased++;
    taken.set(assignment.taskId, entry);
  }
  return taken;
}

/** The crowd in the order this task draws its members: fixed by the seed and the task. */
function membersInDrawOrder(seed: number, task: Task, crowd: CrowdMember[]): CrowdMember[] {
  const random = seededRandom(seedFrom(seed, task.id, "draw"));
  const order = crowd.map((member) => ({ member, rank: random() }));
  return order.sort((a, b) => a.rank - b.rank).map((entry) => entry.member);
}

/** Each judgment with its (already submitted) assignment, two statements for the round. */
async function insertJudgments(tx: Tx, judgments: { task: Task; member: CrowdMember; answer: unknown }[]) {
  if (judgments.length === 0) return;
  const assignmentIds = judgments.map(() => newId("asg"));
  const taskIds = judgments.map((j) => j.task.id);
  const annotatorIds = judgments.map((j) => j.member.id);
  // Claimed the member's answering time before it answered (now).
  const seconds = judgments.map((j) => j.member.seconds);
  await tx.$executeRaw`
    INSERT INTO assignments (id, task_id, annotator_id, status, leased_until, created_at, submitted_at)
    SELECT a.id, a.task_id, a.annotator_id, 'submitted', now(), now() - make_interval(secs => a.seconds), now()
    FROM unnest(${assignmentIds}::text[], ${taskIds}::text[], ${annotatorIds}::text[], ${seconds}::float8[]) AS a(id, task_id, annotator_id, seconds)`;
  await tx.$executeRaw`
    INSERT INTO judgments (id, task_id, annotator_id, assignment_id, answer)
    SELECT j.id, j.task_id, j.annotator_id, j.assignment_id, j.answer
    FROM unnest(${judgments.map(() => newId("jdg"))}::text[], ${taskIds}::text[], ${annotatorIds}::text[], ${assignmentIds}::text[],
                ${judgments.map((j) => JSON.stringify(j.answer))}::jsonb[]) AS j(id, task_id, annotator_id, assignment_id, answer)`;
}
