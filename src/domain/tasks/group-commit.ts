// Group commit of single submissions. Each submission charges the customer's
// quota with a conditional UPDATE, which holds the customer's row lock until
// commit: one customer's submissions ran one at a time, one commit each.
// Submissions of one customer (and environment) that arrive while a commit is
// running wait for it, then go together: one quota UPDATE for all of them, one
// multi-row INSERT, one commit. A group the quota cannot hold whole is
// submitted one by one, so exactly the ones that fit are created, in order.
import { transaction } from "../../db/transaction.js";
import type { Deps } from "../../deps.js";
import type { Task } from "../../generated/prisma/client.js";
import type { CustomerActor } from "../shared/index.js";
import type { NewTask } from "./input.js";
import { chargeQuota } from "./quota.js";
import { insertTaskRows, taskRow } from "./rows.js";

/** Submissions committed in one transaction at most. */
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
  if (group.length > 1) {
    const rows = group.map((waiting) => taskRow(actor, waiting.task));
    const billable = group.filter((waiting) => waiting.task.goldAnswer === null).length;
    const created = await transaction(deps.prisma, async (tx) => {
      if (billable > 0) await chargeQuota(tx, actor.customerId, actor.environment, billable);
      await insertTaskRows(tx, rows);
      return tx.task.findMany({ where: { id: { in: rows.map((row) => row.id) } } });
    }).catch(() => null); // over the quota (or any failure): each on its own below, with its own answer
    if (created) {
      const byId = new Map(created.map((task) => [task.id, task]));
      group.forEach((waiting, index) => waiting.resolve(byId.get(rows[index].id)!));
      return;
    }
  }
  for (const waiting of group) await alone(waiting.task).then(waiting.resolve, waiting.reject);
}
