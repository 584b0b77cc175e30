// CSV (RFC 4180, via csv-stringify): one row per task; the label in a column
// of its own for classifications, the whole result as JSON for every type.
import { stringify } from "csv-stringify/sync";
import type { ExportFormat } from "./format.js";

const COLUMNS = ["task_id", "task_type", "status", "data_url", "data", "external_id", "batch_id", "project_id", "label", "confidence", "judgments", "result", "metadata", "created_at", "completed_at"];

function labelOf(result: unknown): string {
  if (!result || typeof result !== "object") return "";
  if ("label" in result) return String(result.label);
  if ("labels" in result && Array.isArray(result.labels)) return result.labels.join("|");
  return "";
}

export const csv: ExportFormat = {
  contentType: "text/csv; charset=utf-8",
  extension: "csv",
  async *write(context) {
    yield stringify([COLUMNS]);
    for await (const task of context.tasks()) {
      yield stringify([
        [
          task.id,
          task.type,
          task.status,
          task.dataUrl ?? "",
          task.data ?? "",
          task.externalId ?? "",
          task.batchId ?? "",
          task.projectId ?? "",
          labelOf(task.result),
          task.confidence ?? "",
          task.judgmentCount,
          task.result === null ? "" : JSON.stringify(task.result),
          task.metadata === null ? "" : JSON.stringify(task.metadata),
          task.createdAt.toISOString(),
          task.completedAt?.toISOString() ?? "",
        ],
      ]);
    }
  },
};
