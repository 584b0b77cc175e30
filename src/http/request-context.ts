// Every request's edge, for /v1 and /graphql alike: its id, one structured log
// line, and its timing in the metrics (one middleware: each layer of Koa's
// chain costs a request a few µs).
import { randomUUID } from "node:crypto";
import type { Middleware } from "koa";
import type { Deps } from "../deps.js";
import { routeOf } from "./metrics.js";

const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestContext(deps: Pick<Deps, "logger" | "metrics">): Middleware {
  // The request line's fields are fixed and none is a secret: it skips the
  // logger's redaction scan, two thirds of a line's cost (16 -> 5 µs).
  const requestLog = deps.logger.child({}, { redact: [] });
  return async (ctx, next) => {
    const incoming = ctx.get("x-request-id");
    const requestId = CLIENT_REQUEST_ID.test(incoming) ? incoming : `req_${randomUUID().replace(/-/g, "")}`;
    ctx.state.requestId = requestId;
    ctx.set("X-Request-Id", requestId);
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      deps.metrics.httpRequest(ctx.method, routeOf(ctx), ctx.status, seconds);
      // The path only: query strings may carry tokens.
      requestLog.info(
        {
          requestId,
          method: ctx.method,
          path: ctx.path,
          status: ctx.status,
          durationMs: Math.round(seconds * 10_000) / 10,
          // GraphQL requests name their operation ("query Me"), set by the Yoga plugin.
          operation: ctx.state.graphqlOperation,
        },
        "request",
      );
    }
  };
}
