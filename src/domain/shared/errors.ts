// Expected failures. Each has a stable machine-readable code; the REST error
// middleware and the GraphQL error plugin map them to HTTP status / extensions.
// The codes are listed, with what each means, in error-codes.ts.
import { ERROR_CODES, type ErrorCode } from "./error-codes.js";

export class AppError extends Error {
  /** The HTTP status REST answers with: the code's, from the catalogue. */
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = "AppError";
    this.status = ERROR_CODES[code].status;
  }
}

export interface FieldProblem {
  path: string;
  message: string;
}

export class ValidationError extends AppError {
  constructor(message: string, readonly problems: FieldProblem[]) {
    super("invalid_request", message, { errors: problems });
  }

  /** Says the first problem in the message and lists them all. */
  static of(problems: FieldProblem[]): ValidationError {
    return new ValidationError(`${problems[0].path}: ${problems[0].message}`, problems);
  }
}

export class NotFoundError extends AppError {
  constructor(what: string) {
    super("not_found", `${what.length > 80 ? what.slice(0, 80) + "…" : what} not found`);
  }
}

/** What each kind of caller must send: the one wording for REST and GraphQL. */
export const CREDENTIALS_NEEDED = {
  customer: "send your API key as 'Authorization: Bearer <api_key>'",
  annotator: "send your annotator token as 'Authorization: Bearer at_…'",
  admin: "this operation needs the operator's ADMIN_TOKEN",
} as const;

export type CredentialKind = keyof typeof CREDENTIALS_NEEDED;

/** Why a credential was refused, as `details.reason`: missing, malformed, unknown (or revoked), wrong_kind; revoked ends an open subscription. */
export type RefusalReason = "missing" | "malformed" | "unknown" | "wrong_kind" | "revoked";

export class UnauthorizedError extends AppError {
  constructor(message: string = CREDENTIALS_NEEDED.customer, reason: RefusalReason = "missing") {
    super("unauthorized", message, { reason });
  }
}

export class ConflictError extends AppError {
  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(code, message, details);
  }
}
