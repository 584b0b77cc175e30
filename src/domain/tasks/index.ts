// The tasks wing: what customers submit (input, submission), every status
// transition (lifecycle), reads and live updates. Task types are in types/.
export { submitBatch, submitTask, type BatchSubmission } from "./submission.js";
export { batchStatusCounts, cancelTask, completeTask, failTask, publishTaskStatus, startTask } from "./lifecycle.js";
export { isFinal, TASK_STATUSES, type StatusCounts, type TaskStatus } from "./statuses.js";
export { getBatch, getTask, listTasks } from "./queries.js";
export { subscribeToTaskEvents } from "./live-updates.js";
export * from "./types/index.js";
