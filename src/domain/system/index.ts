// The system wing: health, and Idempotency-Key for every mutating request.
export { checkHealth } from "./health.js";
export { customerScope, fingerprintOf, runIdempotently, type StoredResponse } from "./idempotency.js";
