// Expected failures. Each has a stable machine-readable code; the REST error
// middleware and the GraphQL error plugin map them to HTTP status / extensions.

export class AppError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = "AppError";
  }
}

export interface FieldProblem {
  path: string;
  message: string;
}

export class ValidationError extends AppError {
  constructor(message: string, readonly problems: FieldProblem[]) {
    super("invalid_request", message, 400, { errors: problems });
  }
}

export class NotFoundError extends AppError {
  constructor(what: string) {
    super("not_found", `${what.length > 80 ? what.slice(0, 80) + "…" : what} not found`, 404);
  }
}

export class UnauthorizedError extends AppError {
  constructor(message = "missing or invalid API key") {
    super("unauthorized", message, 401);
  }
}


export class ConflictError extends AppError {
  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(code, message, 409, details);
  }
}
