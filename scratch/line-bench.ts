import { taskFromLine } from "../src/domain/jobs/job-input.js";
import { taskRow } from "../src/domain/tasks/index.js";
const job: any = { type: null, labelSpec: { question: "Sentiment?", options: ["pos", "neg"] }, replication: null, priority: null, callbackUrl: null };
const lines = Array.from({ length: 100_000 }, (_, i) => JSON.stringify({ source: `review ${i}`, row: i }));
const actor: any = { kind: "customer", customerId: "cust_x", tier: "live" };
for (let round = 0; round < 2; round++) {
  let t = performance.now();
  const outs = lines.map((l) => taskFromLine(l, job, "live", { maxLineBytes: 65536 }));
  console.log("taskFromLine", (performance.now() - t).toFixed(0), "ms");
  t = performance.now();
  const rows = outs.map((o: any, i) => taskRow(actor, o.task, { job: { id: "job_x", line: i + 1, manifestLine: o.manifestLine } }));
  console.log("taskRow", (performance.now() - t).toFixed(0), "ms");
  t = performance.now();
  for (let i = 0; i < rows.length; i += 1000) JSON.stringify(rows.slice(i, i + 1000));
  console.log("stringify", (performance.now() - t).toFixed(0), "ms");
}
