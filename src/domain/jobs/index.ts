// The jobs wing: batch jobs that read a JSONL manifest from S3 (or HTTPS),
// ingest it into tasks, and export the labeled result.
export { cancelJob, createJob, followJob, getJob, getJobWithCounts, listJobs, rankJobPreferences } from "./jobs.js";
export { claimJob, completeFinishedJobs, hasUnfinishedJobs, ingestJob } from "./ingestion.js";
export { exportJob } from "./export.js";
export { jobInputSchema } from "./job-input.js";
