// Live task status for subscribers: one customer's events, filtered to a task
// or a batch, after checking that the task or batch is theirs.
import type { Deps } from "../../deps.js";
import type { TaskEvent } from "../../pubsub.js";
import type { CustomerActor } from "../shared/index.js";
import { getBatch, getTask } from "./queries.js";
import { isFinal } from "./statuses.js";

export interface TaskEventFilter {
  taskId?: string;
  batchId?: string;
}

export async function subscribeToTaskEvents(
  deps: Pick<Deps, "prisma" | "pubsub">,
  actor: CustomerActor,
  filter: TaskEventFilter,
): Promise<AsyncIterable<TaskEvent>> {
  // Checked before the subscription starts: another customer's id is a 404, as in REST.
  if (filter.taskId) await getTask(deps, actor, filter.taskId);
  if (filter.batchId) await getBatch(deps, actor, filter.batchId);
  const source = deps.pubsub.subscribe("customer:tasks", actor.customerId);
  return (async function* () {
    for await (const event of source) {
      if (event.customerId !== actor.customerId) continue;
      if (filter.taskId && event.taskId !== filter.taskId) continue;
      if (filter.batchId && event.batchId !== filter.batchId) continue;
      yield event;
      // A single task's stream ends once the task can no longer change.
      if (filter.taskId && isFinal(event.status)) return;
    }
  })();
}
