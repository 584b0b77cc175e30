// /graphql over HTTP: Koa reads and decodes the body (within the same limit as /v1) and
// hands Yoga a ready Request. Yoga's Node adapter would wrap every request in
// web streams, an AbortController and a DOMException when the socket closes;
// only the requests that ask for a stream (SSE, incremental delivery) need to
// learn that their client left.
import type { Context, Middleware } from "koa";
import getRawBody from "raw-body";
import { pipeline, type Transform } from "node:stream";
import { createBrotliDecompress, createUnzip } from "node:zlib";
import type { Yoga } from "../graphql/yoga.js";

const ACCEPTED_POST_TYPES = ["application/json", "application/graphql-response+json", "multipart/form-data"];

/** Content-Encodings of a request body, as /v1 accepts them: a decoding stream, or none for identity. */
const DECODERS: Record<string, () => Transform | undefined> = {
  identity: () => undefined,
  gzip: () => createUnzip(),
  deflate: () => createUnzip(),
  br: () => createBrotliDecompress(),
};

/** The request's headers for Yoga; the body is handed over decoded, its length known. */
const NOT_FORWARDED = new Set(["content-encoding", "content-length", "transfer-encoding"]);

const NO_BODY = 'a GraphQL POST needs a JSON body: {"query": "…", "variables": {…}}';

function graphqlError(ctx: Context, status: number, code: string, message: string) {
  ctx.status = status;
  ctx.body = { errors: [{ message, extensions: { code } }] };
}

export function graphqlRoute(yoga: Yoga, bodyLimit: string): Middleware {
  return async (ctx, next) => {
    if (ctx.path !== yoga.graphqlEndpoint) return next();
    let body: Buffer | undefined;
    if (ctx.method === "POST") {
      // Yoga answers a POST of another type with an empty 204; say what is wrong instead.
      const type = ctx.is(...ACCEPTED_POST_TYPES);
      if (type === null) return graphqlError(ctx, 400, "invalid_body", NO_BODY);
      if (!type) return graphqlError(ctx, 415, "unsupported_media_type", "send GraphQL requests as application/json");
      const encoding = ctx.get("content-encoding").toLowerCase() || "identity";
      const decoder = DECODERS[encoding];
      if (!decoder) return graphqlError(ctx, 415, "unsupported_media_type", `Content-Encoding ${encoding} is not supported; send gzip, deflate, br or none`);
      try {
        // The limit applies to the decoded body, as on /v1; a compressed body's Content-Length is not its size.
        const decoded = decoder();
        body = decoded
          ? await getRawBody(pipeline(ctx.req, decoded, () => {}), { limit: bodyLimit })
          : await getRawBody(ctx.req, { limit: bodyLimit, length: ctx.get("content-length") || undefined });
      } catch (error) {
        if ((error as { status?: number }).status === 413) return graphqlError(ctx, 413, "payload_too_large", "request body is larger than the allowed limit");
        return graphqlError(ctx, 400, "invalid_body", "request body could not be read, or decoded with its Content-Encoding");
      }
      if (body.length === 0) return graphqlError(ctx, 400, "invalid_body", NO_BODY);
    }
    const streams = /text\/event-stream|multipart\/mixed/.test(ctx.get("accept"));
    // A URL and its init rather than a Request: Yoga would read a Request's
    // signal, and reading it makes one (an AbortController per request).
    const init: RequestInit = { method: ctx.method, headers: headersOf(ctx), body: body && new Uint8Array(body) };
    if (streams) init.signal = signalOnClientLeaving(ctx);
    // The Koa context rides along so that plugins can set response headers (rate limits).
    const response = await yoga.fetch(`http://localhost${ctx.url}`, init, { koa: ctx });
    ctx.status = response.status;
    response.headers.forEach((value, key) => ctx.append(key, value));
    // A JSON result is one small piece: sent as a string, without piping a web stream.
    ctx.body = response.headers.get("content-type")?.includes("json") ? await response.text() : response.body;
  };
}

function headersOf(ctx: Context): [string, string][] {
  const headers: [string, string][] = [];
  for (const [name, value] of Object.entries(ctx.headers)) {
    if (NOT_FORWARDED.has(name)) continue;
    if (typeof value === "string") headers.push([name, value]);
    else if (Array.isArray(value)) for (const each of value) headers.push([name, each]);
  }
  return headers;
}

/** Aborts when the client goes away before the response has ended (a subscriber closing its tab). */
function signalOnClientLeaving(ctx: Context): AbortSignal {
  const controller = new AbortController();
  ctx.res.once("close", () => {
    if (!ctx.res.writableFinished) controller.abort();
  });
  return controller.signal;
}
