// docs/errors.md, rendered from the error catalogue (domain/shared/error-codes.ts).
import { ERROR_CODES, JOB_FAILURE_CODES } from "../domain/shared/index.js";

export function renderErrorReference(): string {
  const lines = [
    "# Error codes",
    "",
    "<!-- Generated from src/domain/shared/error-codes.ts by `npm run docs:errors`; do not edit by hand. -->",
    "",
    "Every 4xx and 5xx answer of `/v1` has one shape:",
    "",
    "```json",
    '{"error": {"code": "not_found", "message": "task tsk_… not found", "request_id": "…"}}',
    "```",
    "",
    "`code` is stable (it is an enum in `/v1/openapi.json`); `message` is for people and may change;",
    "some codes add details beside them (named in the table). GraphQL puts the same code in",
    "`errors[].extensions.code`, or returns it as `code` of a mutation's error result.",
    "",
    "| code | HTTP | meaning | what to do |",
    "| --- | --- | --- | --- |",
    ...Object.entries(ERROR_CODES).map(([code, entry]) => `| \`${code}\` | ${entry.status} | ${entry.meaning} | ${entry.whatToDo} |`),
    "",
    "## Why a batch job failed",
    "",
    "A job that fails keeps `status: \"failed\"` with one of these as `failure_code` and a `failure_reason`:",
    "",
    "| failure_code | what to do |",
    "| --- | --- |",
    ...Object.entries(JOB_FAILURE_CODES).map(([code, whatToDo]) => `| \`${code}\` | ${whatToDo} |`),
    "",
  ];
  return lines.join("\n");
}
