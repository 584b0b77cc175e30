// The dashboard wing: overview, the task table, quality and daily usage.
export { getDailyUsage, getOverview, getQuality, getTaskTable, tablePageSchema, type Overview, type TaskTable, type TypeQuality, type UsageDay } from "./dashboard.js";
export { compactRollups } from "./rollups.js";
