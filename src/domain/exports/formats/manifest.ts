// The Ground Truth output manifest (what GET /v1/jobs/{id}/export answers):
// each task's input line with the label attribute and its metadata.
import { exportLineView } from "../../representations/index.js";
import type { ExportFormat } from "./format.js";

export const groundTruthManifest: ExportFormat = {
  contentType: "application/x-ndjson",
  extension: "manifest",
  async *write(context) {
    for await (const task of context.tasks()) yield JSON.stringify(exportLineView(task, task.jobId)) + "\n";
  },
};
