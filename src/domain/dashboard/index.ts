// The dashboard wing: overview, the task table, quality and daily usage.
export { getDailyUsage, getOverview, getQuality, getTaskTable, type Overview, type TaskTable, type TypeQuality, type UsageDay } from "./dashboard.js";
