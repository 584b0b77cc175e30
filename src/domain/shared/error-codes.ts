// Every error code the API answers with, in one list: AppError takes only these,
// OpenAPI declares them as an enum, and docs/errors.md is generated from them
// (npm run docs:errors; a test fails when the file is out of date).

interface ErrorCodeEntry {
  /** The HTTP status REST answers with (GraphQL puts the code in extensions.code). */
  status: number;
  meaning: string;
  whatToDo: string;
}

export const ERROR_CODES = {
  invalid_request: {
    status: 400,
    meaning: "A field is missing, of the wrong type or out of range (query, path, header or body).",
    whatToDo: "Read `error.errors`: one `{path, message}` per problem; fix those fields and send again.",
  },
  invalid_json: {
    status: 400,
    meaning: "The body is not valid JSON, or holds `__proto__` / `constructor.prototype` keys.",
    whatToDo: "Send one JSON document; check quoting in your shell (single quotes around `-d '…'`).",
  },
  invalid_body: {
    status: 400,
    meaning: "The body could not be decoded with its `Content-Encoding` (e.g. `gzip` on plain JSON).",
    whatToDo: "Send the encoding you declare, or drop the `Content-Encoding` header.",
  },
  unsafe_callback_url: {
    status: 400,
    meaning: "A `callback_url` or webhook URL resolves to a private, loopback or link-local address.",
    whatToDo: "Use a public HTTPS endpoint (an operator may allow private targets with ALLOW_PRIVATE_WEBHOOK_TARGETS).",
  },
  unsafe_manifest_url: {
    status: 400,
    meaning: "A job's `manifest_url` resolves to a private address.",
    whatToDo: "Use a public S3 or HTTPS location, or ask the operator to set S3_ENDPOINT / ALLOW_PRIVATE_WEBHOOK_TARGETS.",
  },
  too_many_webhooks: {
    status: 400,
    meaning: "This environment already has the most webhooks a customer may register.",
    whatToDo: "Delete one you no longer use (`DELETE /v1/webhooks/{id}`), or subscribe one endpoint to more events.",
  },
  query_too_complex: {
    status: 400,
    meaning: "A GraphQL document is too large, too deep, has too many aliases or costs more than the limit.",
    whatToDo: "Ask for fewer fields or smaller pages (`first`), and split the operation in two.",
  },
  unauthorized: {
    status: 401,
    meaning: "No credential, a malformed one, an unknown or revoked one, or one of the wrong kind (`error.reason`).",
    whatToDo: "Send `Authorization: Bearer <api_key>` (annotators: their `at_…` token; operators: ADMIN_TOKEN).",
  },
  quota_exceeded: {
    status: 402,
    meaning: "The request needs more labels than remain in this environment's quota (`requested`, `remaining`).",
    whatToDo: "Send fewer tasks, or ask the operator for a higher tier (`GET /v1/usage` shows what is left).",
  },
  forbidden: {
    status: 403,
    meaning: "Your role (or your API key's read_only scope) does not allow this operation (`permission`, `roles_allowed`).",
    whatToDo: "Ask an owner or admin of your account for a role that allows it, or use a full API key.",
  },
  live_key_required: {
    status: 403,
    meaning: "Live keys are created and revoked only with a live key.",
    whatToDo: "Use one of your live keys for this request.",
  },
  live_not_enabled: {
    status: 403,
    meaning: "The account is not on the live tier yet, so no live key can be issued.",
    whatToDo: "Ask the operator to move the account to the live tier (the `setCustomerTier` mutation, with ADMIN_TOKEN).",
  },
  not_found: {
    status: 404,
    meaning: "No such route, or no such object in your account and environment (another customer's or environment's id answers the same).",
    whatToDo: "Check the id and that you use a key of the environment that created it (sandbox or live).",
  },
  method_not_allowed: {
    status: 405,
    meaning: "The path exists but not with this method.",
    whatToDo: "Use a method from the `Allow` header.",
  },
  email_taken: {
    status: 409,
    meaning: "A customer with this email is already registered.",
    whatToDo: "Use the API key you were given at registration, or register with another email.",
  },
  member_exists: {
    status: 409,
    meaning: "This email is already a member of the account, or invited.",
    whatToDo: "Change their role instead (`PATCH /v1/members/{id}`), or remove them and invite again.",
  },
  last_owner: {
    status: 409,
    meaning: "The change would leave the account without an owner.",
    whatToDo: "Make another member owner first.",
  },
  too_many_keys: {
    status: 409,
    meaning: "The most keys that may be active at once already are.",
    whatToDo: "Revoke a key you no longer use, then create the new one.",
  },
  last_active_key: {
    status: 409,
    meaning: "Revoking this key would leave the account without an active key.",
    whatToDo: "Create another key first, then revoke this one.",
  },
  task_not_cancelable: {
    status: 409,
    meaning: "The task has already ended (completed, failed or canceled).",
    whatToDo: "Nothing to do: read its result with `GET /v1/tasks/{id}`.",
  },
  task_closed: {
    status: 409,
    meaning: "An annotator submitted a judgment for a task that has meanwhile ended.",
    whatToDo: "Ask for the next assignment.",
  },
  job_not_cancelable: {
    status: 409,
    meaning: "The job has already ended.",
    whatToDo: "Nothing to do: read its status with `GET /v1/jobs/{id}`.",
  },
  export_not_ready: {
    status: 409,
    meaning: "An export's download was asked for before it was built, or after it failed (`error.status`).",
    whatToDo: "Poll `GET /v1/exports/{id}` (or take the `export.completed` webhook) until `status` is `completed`; a failed export says why in `error`: create it again.",
  },
  job_not_completed: {
    status: 409,
    meaning: "A job's export was asked for before the job completed (`error.status`).",
    whatToDo: "Poll `GET /v1/jobs/{id}` (or take the `job.completed` webhook) and download then.",
  },
  external_id_conflict: {
    status: 409,
    meaning: "Another request created a task with this `external_id` at the same moment.",
    whatToDo: "Retry: the retry answers with the existing task.",
  },
  idempotency_request_in_progress: {
    status: 409,
    meaning: "A request with this `Idempotency-Key` is still being processed.",
    whatToDo: "Retry shortly with the same key; you get the first request's response.",
  },
  assignment_closed: {
    status: 409,
    meaning: "An annotator submitted to an assignment that was already submitted, released or expired.",
    whatToDo: "Ask for the next assignment.",
  },
  lease_expired: {
    status: 409,
    meaning: "An annotator's lease on the assignment ran out; the task went back to the queue.",
    whatToDo: "Ask for the next assignment, and submit within the lease.",
  },
  payload_too_large: {
    status: 413,
    meaning: "The body is larger than the server's BODY_LIMIT.",
    whatToDo: "Send less per request (split a batch), or put the items in a job manifest on S3.",
  },
  batch_too_large: {
    status: 413,
    meaning: "A batch holds more tasks than one request may (`max_batch_size`).",
    whatToDo: "Split it into several batches, or use a batch job reading a manifest.",
  },
  unsupported_media_type: {
    status: 415,
    meaning: "The body is not sent as `application/json`.",
    whatToDo: "Add `-H 'Content-Type: application/json'`.",
  },
  idempotency_key_reused: {
    status: 422,
    meaning: "This `Idempotency-Key` was already used with a different request.",
    whatToDo: "Use a new key for a new request; reuse a key only to retry the very same request.",
  },
  rate_limited: {
    status: 429,
    meaning: "Too many requests in the window (`limit`, `window_seconds`, `reset_seconds`; also the `RateLimit-*` and `Retry-After` headers).",
    whatToDo: "Wait `Retry-After` seconds; batch tasks instead of sending one per request.",
  },
  too_many_subscriptions: {
    status: 429,
    meaning: "A graphql-ws connection opened more subscriptions than one connection may hold.",
    whatToDo: "Complete the subscriptions you no longer need, or open another connection.",
  },
  internal_error: {
    status: 500,
    meaning: "Something went wrong on our side (logged with the request id).",
    whatToDo: "Retry; if it persists, quote `error.request_id` when you contact us.",
  },
  not_implemented: {
    status: 501,
    meaning: "The method is not implemented on this path.",
    whatToDo: "Use a documented method (see /docs).",
  },
} as const satisfies Record<string, ErrorCodeEntry>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Why a batch job failed: `failure_code` on the job (not an HTTP error). */
export const JOB_FAILURE_CODES = {
  manifest_not_found: "No object at `manifest_url` (HTTP 404): check the bucket and key.",
  s3_access_denied: "The manifest's host refused access (401/403): check `s3_credentials` and the bucket policy.",
  manifest_unreachable: "The manifest could not be fetched or stopped arriving: check the URL and the host's availability, then create the job again.",
  manifest_too_large: "The manifest has more lines than JOB_MAX_LINES: split it into several jobs.",
  quota_exceeded: "The manifest's valid lines need more labels than remain: ask for a higher tier or send a shorter manifest.",
} as const;

export type JobFailureCode = keyof typeof JOB_FAILURE_CODES;
