// /graphql over HTTP: Koa reads and decodes the body (within the same limit as
// /v1), and Yoga gets it ready: it reads no stream (its own body-size check,
// off, would pipe every body through a web stream).
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
    // The Koa context rides along so that plugins can set response headers (rate limits).
    const operation = ctx.method === "GET" ? undefined : jsonObjectIn(ctx, body);
    const response = ctx.method === "GET" || operation ? await viaNodePath(yoga, ctx, operation) : await viaFetch(yoga, ctx, body);
    ctx.status = response.status;
    response.headers.forEach((value, key) => ctx.append(key, value));
    // A JSON result is one small piece: sent as a string, without piping a web stream.
    ctx.body = response.headers.get("content-type")?.includes("json") ? await response.text() : response.body;
  };
}

/**
 * A GET, or a POST of a JSON object (nearly every request): Yoga's Node path,
 * given the request's URL, its headers and the object already parsed. Its
 * fetch path builds the request and the server context more slowly: side by
 * side, GraphQL task(id) served 11% more requests this way. It also aborts a
 * streamed response (SSE) when the client leaves.
 */
function viaNodePath(yoga: Yoga, ctx: Context, operation: object | undefined): Promise<Response> {
  // Yoga treats a non-empty `body` as parsed (an empty one as a stream still to read).
  const request = { req: ctx.req, method: ctx.method, headers: forwardedHeaders(ctx), body: operation };
  return yoga.handleNodeRequestAndResponse(request as never, ctx.res, { koa: ctx }) as Promise<Response>;
}

/**
 * The body parsed, when it is a JSON object with at least one member. Yoga's
 * Node path lists a parsed body's keys: never handed a string or an array,
 * whose keys are each of its characters or items (a 5 MB body, 5 million keys).
 */
function jsonObjectIn(ctx: Context, body: Buffer | undefined): object | undefined {
  if (!body || !ctx.is("application/json")) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch {
    return undefined; // Yoga's answer to a body that is not JSON
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return undefined;
  for (const _member in parsed) return parsed;
  return undefined;
}

/** Any other request (multipart, or a body Yoga refuses): a URL and its init, the body as bytes. */
function viaFetch(yoga: Yoga, ctx: Context, body: Buffer | undefined): Promise<Response> {
  // Not a Request: Yoga would read a Request's signal, and reading it makes one (an AbortController).
  const init: RequestInit = { method: ctx.method, headers: headersOf(ctx), body: body && new Uint8Array(body) };
  if (/text\/event-stream|multipart\/mixed/.test(ctx.get("accept"))) init.signal = signalOnClientLeaving(ctx);
  return yoga.fetch(`http://localhost${ctx.url}`, init, { koa: ctx }) as Promise<Response>;
}

function forwardedHeaders(ctx: Context): Record<string, string | string[] | undefined> {
  const headers: Record<string, string | string[] | undefined> = {};
  for (const name in ctx.headers) if (!NOT_FORWARDED.has(name)) headers[name] = ctx.headers[name];
  return headers;
}

function headersOf(ctx: Context): [string, string][] {
  const headers: [string, string][] = [];
  for (const [name, value] of Object.entries(forwardedHeaders(ctx))) {
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
