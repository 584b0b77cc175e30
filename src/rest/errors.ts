// The one JSON error shape of /v1: {"error": {"code", "message", "request_id", ...details}}.
import type { Context, Middleware } from "koa";
import { AppError, type ErrorCode } from "../domain/shared/index.js";
import { withRestFieldNames } from "./field-names.js";
import type { Logger } from "../logger.js";

export interface ErrorBody {
  error: { code: string; message: string; request_id: string; [detail: string]: unknown };
}

export function errorBody(ctx: Context, code: ErrorCode, message: string, details?: Record<string, unknown>): ErrorBody {
  return { error: { code, message, request_id: ctx.state.requestId, ...details } };
}

const BODYLESS_STATUS: Record<number, [ErrorCode, string]> = {
  404: ["not_found", "no route for $route"],
  405: ["method_not_allowed", "this method is not allowed on this path; see the Allow header"],
  501: ["not_implemented", "this method is not implemented"],
};

/** Maps errors thrown by the body parser and the router onto our codes. */
function fromHttpError(error: { status?: number; statusCode?: number; type?: string; message?: string; code?: string }) {
  const status = error.status ?? error.statusCode;
  // zlib / brotli: a Content-Encoding the body does not match (e.g. "gzip" on plain JSON).
  if (typeof error.code === "string" && (error.code.startsWith("Z_") || /^ERR__ERROR_/.test(error.code))) {
    return new AppError("invalid_body", "request body could not be decoded with its Content-Encoding");
  }
  // The parser (@hapi/bourne) refuses keys that would pollute prototypes.
  if (/forbidden prototype property/.test(error.message ?? "")) {
    return new AppError("invalid_json", "request body must not contain __proto__ or constructor.prototype keys");
  }
  if (status === 413) return new AppError("payload_too_large", "request body is larger than the allowed limit");
  if (status === 415) return new AppError("unsupported_media_type", "send the body as application/json");
  if (status === 400 && error.type === "entity.parse.failed") {
    return new AppError("invalid_json", "request body is not valid JSON");
  }
  if (status === 400 && /json/i.test(error.message ?? "")) {
    return new AppError("invalid_json", "request body is not valid JSON");
  }
  return undefined;
}

export function restErrors(logger: Logger): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      // Statuses set without a body (router's 404/405/501) still get the JSON shape.
      if (ctx.body === undefined && ctx.status >= 400) {
        const status = ctx.status;
        const [code, message] = BODYLESS_STATUS[status] ?? [status < 500 ? "invalid_request" : "internal_error", ctx.message];
        ctx.status = status;
        ctx.body = errorBody(ctx, code, message.replace("$route", `${ctx.method} ${ctx.path}`));
      }
    } catch (thrown) {
      const error = thrown instanceof AppError ? withRestFieldNames(thrown) : fromHttpError(thrown as object);
      if (error) {
        ctx.status = error.status;
        ctx.body = errorBody(ctx, error.code, error.message, error.details);
        if (error.status === 401) ctx.set("WWW-Authenticate", 'Bearer realm="asg-refinery"');
        return;
      }
      logger.error({ err: thrown, requestId: ctx.state.requestId, path: ctx.path }, "unhandled error");
      ctx.status = 500;
      ctx.body = errorBody(ctx, "internal_error", "something went wrong on our side; quote the request_id if you contact us");
    }
  };
}
