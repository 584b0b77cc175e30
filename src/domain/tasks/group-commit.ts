// Group commit of single submissions. Each submission charges the customer's
// quota with a conditional UPDATE, which holds the customer's row lock until
// commit: one customer's submissions ran one at a time, one commit each.
// Submissions of one customer (and environment) that arrive while a commit is
// running wait for it, then go together in one statement, prepared once per
// connection: it charges the quota for all of them and inserts them (one
// implicit transaction, one round trip). A group the quota cannot hold whole
// is submitted one by one, so exactly the ones that fit are created, in order.
import { preparedStatement } from "../../db/database.js";
import type { Deps } from "../../deps.js";
import type { Task } from "../../generated/prisma/client.js";
import type { CustomerActor, Environment } from "../shared/index.js";
import type { NewTask } from "./input.js";
import { QUOTA_COLUMNS } from "./quota.js";
import { columnValues, PROJECT_TEAM_JOIN, TASK_COLUMNS, TASK_ROW_COLUMNS, TEAM_WORKFORCE, taskRow } from "./rows.js";

/** Submissions inserted by one statement at most. */
const MAX_GROUP = 500;

interface Waiting {
  task: NewTask;
  resolve(task: Task): void;
  reject(error: unknown): void;
}

/** Per database client (tests run several services in one process), per customer and environment. */
const lanesByClient = new WeakMap<object, Map<string, Waiting[]>>();

/**
 * Inserts one task (no externalId) and charges its label, in a group with the
 * customer's concurrent submissions. `alone` submits a task by itself (the
 * fallback, with its own quota check). Resolves once committed.
 */
export function submitInGroup(
  deps: Pick<Deps, "prisma">,
  actor: CustomerActor,
  task: NewTask,
  alone: (task: NewTask) => Promise<Task>,
): Promise<Task> {
  let lanes = lanesByClient.get(deps.prisma);
  if (!lanes) lanesByClient.set(deps.prisma, (lanes = new Map()));
  const key = `${actor.customerId}:${actor.environment}`;
  return new Promise<Task>((resolve, reject) => {
    const waiting = lanes.get(key);
    if (waiting) return void waiting.push({ task, resolve, reject });
    // Nobody committing for this customer: this one goes now, and whoever arrives meanwhile waits.
    const lane: Waiting[] = [{ task, resolve, reject }];
    lanes.set(key, lane);
    void (async () => {
      try {
        while (lane.length > 0) {
          const group = lane.splice(0, MAX_GROUP);
          // Nobody is left waiting, whatever fails (settling twice is a no-op).
          await commitGroup(deps, actor, group, alone).catch((error) => group.forEach((waiting) => waiting.reject(error)));
        }
      } finally {
        lanes.delete(key);
      }
    })();
  });
}

async function commitGroup(deps: Pick<Deps, "prisma">, actor: CustomerActor, group: Waiting[], alone: (task: NewTask) => Promise<Task>) {
  const rows = group.map((waiting) => taskRow(actor, waiting.task));
  const billable = group.filter((waiting) => waiting.task.goldAnswer === null).length;
  const created = await insertCharged[actor.environment](deps.prisma, [actor.customerId, billable, ...columnValues(rows).map((column) => column.values)])
    .catch(() => []); // any failure: each on its own below, with its own answer
  if (created.length === rows.length) {
    const byId = new Map(created.map((task) => [task.id, task]));
    group.forEach((waiting, index) => waiting.resolve(byId.get(rows[index].id)!));
    return;
  }
  // Nothing was created (the quota could not hold the group whole).
  for (const waiting of group) await alone(waiting.task).then(waiting.resolve, waiting.reject);
}

const INSERTED_COLUMNS = TASK_ROW_COLUMNS.map(([name]) => name).join(", ");
const SELECTED_COLUMNS = TASK_ROW_COLUMNS.map(([name]) => (name === "workforce" ? TEAM_WORKFORCE : `r.${name}`)).join(", ");

/**
 * Charges $2 labels to customer $1 and inserts the rows whose columns are
 * $3…, or, when the quota cannot hold them, does neither. The UPDATE is the
 * quota check (concurrent submissions cannot oversell); no label, no charge.
 */
function chargedInsert(environment: Environment) {
  const { used, quota } = QUOTA_COLUMNS[environment];
  return preparedStatement<Task>(
    `submit-group-${environment}`,
    `WITH charged AS (
       UPDATE customers SET ${used} = ${used} + $2, updated_at = now()
       WHERE id = $1 AND $2 > 0 AND ${used} + $2 <= ${quota}
       RETURNING id)
     INSERT INTO tasks (${INSERTED_COLUMNS}, work_team_id, status, updated_at)
     SELECT ${SELECTED_COLUMNS}, p.work_team_id, 'pending', now()
     FROM unnest(${TASK_ROW_COLUMNS.map(([, type], index) => `$${index + 3}::${type}[]`).join(", ")}) AS r(${INSERTED_COLUMNS})
       ${PROJECT_TEAM_JOIN}
     WHERE $2 = 0 OR EXISTS (SELECT FROM charged)
     RETURNING ${TASK_COLUMNS}`,
  );
}

const insertCharged: Record<Environment, ReturnType<typeof chargedInsert>> = {
  sandbox: chargedInsert("sandbox"),
  live: chargedInsert("live"),
};
