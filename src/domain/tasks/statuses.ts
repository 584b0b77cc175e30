// A task's statuses; the transitions between them are in lifecycle.ts.
export const TASK_STATUSES = ["pending", "in_progress", "completed", "failed", "canceled"] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
export const OPEN_STATUSES: readonly TaskStatus[] = ["pending", "in_progress"];
const FINAL_STATUSES: readonly TaskStatus[] = ["completed", "failed", "canceled"];

export function isFinal(status: string): boolean {
  return FINAL_STATUSES.includes(status as TaskStatus);
}

export type StatusCounts = Record<TaskStatus, number>;

export function statusCounts(groups: { status: string; count: number }[]): StatusCounts {
  const counts = Object.fromEntries(TASK_STATUSES.map((status) => [status, 0])) as StatusCounts;
  for (const group of groups) counts[group.status as TaskStatus] = group.count;
  return counts;
}
