// Live task status for subscribers: one customer's events, filtered to a task
// or a batch, after checking that the task or batch is theirs. Each stream
// starts with the state now (a task's status, a batch's counts), read after
// subscribing: a change in between is in the snapshot or in the stream, so
// "submit, then subscribe" never misses a task that was faster than the subscriber.
import type { Deps } from "../../deps.js";
import type { Batch, Task } from "../../generated/prisma/client.js";
import type { TaskEvent } from "../../pubsub.js";
import { closingSourcesOnReturn, tenantOf, tenantTopic, type CustomerActor } from "../shared/index.js";
import { getBatch, getTask } from "./queries.js";
import { isFinal } from "./statuses.js";

/** One task's status now, then each change; ends when the task can no longer change. */
export async function subscribeToTaskStatus(
  deps: Pick<Deps, "prisma" | "pubsub">,
  actor: CustomerActor,
  taskId: string,
): Promise<AsyncIterable<TaskEvent>> {
  // Checked before the subscription starts: another customer's id is a 404, as in REST.
  await getTask(deps, actor, taskId);
  const source = await deps.pubsub.listen("customer:tasks", tenantTopic(tenantOf(actor)));
  const snapshot = await getTask(deps, actor, taskId);
  const stream = (async function* () {
    try {
      let last = snapshot.status;
      yield { taskId: snapshot.id, customerId: snapshot.customerId, environment: snapshot.environment, batchId: snapshot.batchId, jobId: snapshot.jobId, status: snapshot.status };
      if (isFinal(snapshot.status)) return;
      for await (const event of source) {
        if (!isActorsEvent(actor, event) || event.taskId !== taskId || event.status === last) continue;
        last = event.status;
        yield event;
        if (isFinal(event.status)) return;
      }
    } finally {
      await source.return?.();
    }
  })();
  return closingSourcesOnReturn(stream, () => source.return?.());
}

/**
 * A change seen by a batch's (or all tasks') subscriber; the first of a
 * batch's stream has no task. The task and batch are read when asked, once
 * per change however many subscribers receive it (a thousand subscribers
 * of one batch made two thousand reads of the same rows per change).
 */
export interface TaskUpdate {
  taskId: string | null;
  batchId: string | null;
  task(): Promise<Task | null>;
  batch(): Promise<Batch | null>;
}

/**
 * Status changes of all the customer's tasks, or of one batch's. A batch's
 * stream starts with an update without a task: the batch as it is now.
 */
export async function subscribeToTaskUpdates(
  deps: Pick<Deps, "prisma" | "pubsub">,
  actor: CustomerActor,
  batchId?: string,
): Promise<AsyncIterable<TaskUpdate>> {
  if (batchId) await getBatch(deps, actor, batchId);
  const source = await deps.pubsub.listen("customer:tasks", tenantTopic(tenantOf(actor)));
  const stream = (async function* () {
    try {
      // The batch is read when this update is resolved, which is after subscribing.
      if (batchId) yield { taskId: null, batchId, task: async () => null, batch: () => getBatch(deps, actor, batchId) };
      for await (const event of source) {
        if (!isActorsEvent(actor, event)) continue;
        if (batchId && event.batchId !== batchId) continue;
        yield sharedUpdate(deps, actor, event);
      }
    } finally {
      await source.return?.();
    }
  })();
  return closingSourcesOnReturn(stream, () => source.return?.());
}

/** Topics are per customer environment already; checked again so a topic mix-up can never leak. */
export function isActorsEvent(actor: CustomerActor, event: { customerId: string; environment: string }): boolean {
  return event.customerId === actor.customerId && event.environment === actor.environment;
}

// Every subscriber of a customer's channel receives the same event object
// (one per publish, or per message from Redis), so reads keyed by it are
// shared by all of them; they are all that customer's, so any one's read serves.
const readsOfEvent = new WeakMap<TaskEvent, { task?: Promise<Task>; batch?: Promise<Batch | null> }>();

function sharedUpdate(deps: Pick<Deps, "prisma">, actor: CustomerActor, event: TaskEvent): TaskUpdate {
  let reads = readsOfEvent.get(event);
  if (!reads) readsOfEvent.set(event, (reads = {}));
  const shared = reads;
  return {
    taskId: event.taskId,
    batchId: event.batchId,
    task: () => (shared.task ??= getTask(deps, actor, event.taskId)),
    batch: () => (shared.batch ??= event.batchId ? getBatch(deps, actor, event.batchId) : Promise.resolve(null)),
  };
}
