// JSONL: one task per line with every field — the task, its result and
// confidence, how it was aggregated, and each judgment.
import { taskView } from "../../representations/index.js";
import type { ExportFormat } from "./format.js";

export const jsonl: ExportFormat = {
  contentType: "application/x-ndjson",
  extension: "jsonl",
  judgments: true,
  async *write(context) {
    for await (const task of context.tasks()) {
      yield JSON.stringify({
        ...taskView(task),
        result: task.result,
        confidence: task.confidence,
        aggregation: task.aggregation,
        judgments: task.judgments.map((j) => ({ annotator_id: j.annotatorId, answer: j.answer, created_at: j.createdAt.toISOString() })),
      }) + "\n";
    }
  },
};
