// The tasks wing: what customers submit (input, submission), every status
// transition (lifecycle), reads and live updates. Task types are in types/.
export { checkSharedFields, checkTask, checkTaskTemplate, taskInputSchema, type NewTask, type SharedTaskInput } from "./input.js";
export { chargeQuota, refundQuota, workforceOf } from "./quota.js";
export { submitBatch, submitTask, type BatchSubmission } from "./submission.js";
export { insertTaskRows, taskColumnsOf, taskRow, type TaskRow } from "./rows.js";
export { JOB_PROJECT_FIELDS, withProjectDefaults } from "./project-defaults.js";
export {
  batchStatusCounts,
  cancelJobTasks,
  cancelTask,
  completeTask,
  completeTasks,
  type Completion,
  type TaskResult,
  failTask,
  hasOpenTask,
  jobTaskCounts,
  publishTaskStatus,
} from "./lifecycle.js";
export { isFinal, statusCounts, TASK_STATUSES, type StatusCounts, type TaskStatus } from "./statuses.js";
export { countsOfBatch, getBatch, getTask, listTasks, type TaskFilter } from "./queries.js";
export { rankBatchPreferences, rankPreferences, type PreferenceRanking } from "./preference-ranking.js";
export { isActorsEvent, subscribeToTaskStatus, subscribeToTaskUpdates, type TaskUpdate } from "./live-updates.js";
export * from "./types/index.js";
