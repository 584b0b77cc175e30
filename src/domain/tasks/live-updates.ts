// Live task status for subscribers: one customer's events, filtered to a task
// or a batch, after checking that the task or batch is theirs. A single task's
// stream starts with its status now, so "submit, then subscribe" never misses
// a task that was faster than the subscriber.
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
  // Read after subscribing: a change in between is in the snapshot or in the stream (or both; repeats are skipped).
  const snapshot = filter.taskId ? await getTask(deps, actor, filter.taskId) : undefined;
  return (async function* () {
    let last: string | undefined;
    if (snapshot) {
      last = snapshot.status;
      yield { taskId: snapshot.id, customerId: snapshot.customerId, batchId: snapshot.batchId, jobId: snapshot.jobId, status: snapshot.status };
      if (isFinal(snapshot.status)) return;
    }
    for await (const event of source) {
      if (event.customerId !== actor.customerId) continue;
      if (filter.taskId && event.taskId !== filter.taskId) continue;
      if (filter.batchId && event.batchId !== filter.batchId) continue;
      if (filter.taskId && event.status === last) continue;
      last = event.status;
      yield event;
      // A single task's stream ends once the task can no longer change.
      if (filter.taskId && isFinal(event.status)) return;
    }
  })();
}
