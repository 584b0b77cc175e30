// The tasks wing: what customers submit (input, submission), every status
// transition (lifecycle), reads and live updates. Task types are in types/.
export { checkTask, DEFAULT_PRIORITY, REPLICATION, type NewTask, type TaskInput } from "./input.js";
export { MAX_BATCH_SIZE, QuotaExceededError, submitBatch, submitTask, type BatchSubmission } from "./submission.js";
export { batchStatusCounts, cancelTask, completeTask, failTask, publishTaskStatus, startTask, type TaskResult } from "./lifecycle.js";
export { isFinal, OPEN_STATUSES, TASK_STATUSES, type StatusCounts, type TaskStatus } from "./statuses.js";
export { getBatch, getTask, listTasks, type TaskFilter } from "./queries.js";
export { subscribeToTaskEvents, type TaskEventFilter } from "./live-updates.js";
export * from "./types/index.js";
