// GET /v1/jobs/{id}/export: the output manifest, one JSON line per manifest
// line that became a task, in manifest order, read in pages so memory does
// not grow with the job.
import type { Deps } from "../../deps.js";
import { exportLineView } from "../representations/index.js";
import { ConflictError, tenantOf, type CustomerActor } from "../shared/index.js";
import { getJob } from "./jobs.js";
import { auditCustomerChange } from "../audit/index.js";

const PAGE = 500;

/** Checks the job first (404, 409 job_not_completed), then returns the lines to stream. */
export async function exportJob(deps: Pick<Deps, "prisma">, actor: CustomerActor, jobId: string): Promise<AsyncIterable<string>> {
  const job = await getJob(deps, actor, jobId);
  if (job.status !== "completed") {
    throw new ConflictError("job_not_completed", `job ${jobId} is ${job.status}; its export is ready once it is completed`, { status: job.status });
  }
  await auditCustomerChange(deps.prisma, actor, { action: "export.downloaded", targetId: jobId, details: { format: "jsonl" } });
  return (async function* () {
    let after = 0;
    for (;;) {
      const tasks = await deps.prisma.task.findMany({
        where: { jobId, ...tenantOf(actor), jobLine: { gt: after } },
        orderBy: { jobLine: "asc" },
        take: PAGE,
      });
      if (tasks.length === 0) return;
      yield tasks.map((task) => JSON.stringify(exportLineView(task, jobId)) + "\n").join("");
      after = tasks[tasks.length - 1].jobLine!;
    }
  })();
}
