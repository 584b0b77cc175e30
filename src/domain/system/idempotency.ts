// Idempotency-Key: the first successful response to (scope, key) is replayed
// for 24 h; the same key with a different request is refused; a duplicate
// arriving while the first is still running gets 409. Stored responses are
// encrypted (a registration response holds an API key).
import { createHash } from "node:crypto";
import type { Deps } from "../../deps.js";
import { Prisma } from "../../generated/prisma/client.js";
import { AppError, ConflictError, secretBox, ValidationError, type CustomerActor } from "../shared/index.js";

const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
const ABANDONED_AFTER_MS = 2 * 60 * 1000;
const KEY_FORMAT = /^[\x21-\x7e]{1,255}$/;

export interface StoredResponse {
  status: number;
  body: unknown;
  /** What a replay answers, when it must differ from the first response (a secret is shown once). */
  replayBody?: unknown;
}

export interface IdempotentRequest {
  /** Whose keys these are: a customer environment (customerScope), or "public:<path>" for unauthenticated calls. */
  scope: string;
  key: string;
  /** What was asked: method, path and body. */
  fingerprint: string;
}

/** A customer's keys are scoped by environment: a sandbox key never replays a live response. */
export function customerScope(actor: CustomerActor): string {
  return `${actor.customerId}:${actor.environment}`;
}

/** Same request, same fingerprint: the body is compared as canonical JSON (key order does not matter). */
export function fingerprintOf(method: string, path: string, body: unknown): string {
  return createHash("sha256").update(`${method} ${path}\n${canonicalJson(body ?? null)}`).digest("hex");
}

/** JSON with object keys sorted at every level (bodies are depth-checked at the edge). */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(",")}}`;
  }
  return JSON.stringify(value);
}

/**
 * Runs `execute` at most once per (scope, key). Returns the response and
 * whether it is a replay. Failures (thrown errors) are not stored, so a
 * corrected retry with the same key can succeed.
 */
export async function runIdempotently(
  deps: Pick<Deps, "prisma" | "config">,
  request: IdempotentRequest,
  execute: () => Promise<StoredResponse>,
): Promise<StoredResponse & { replayed: boolean }> {
  if (!KEY_FORMAT.test(request.key)) {
    throw ValidationError.of([{ path: "Idempotency-Key", message: "must be 1–255 printable ASCII characters" }]);
  }
  const box = secretBox(deps.config.serverSecret);
  const where = { scope_key: { scope: request.scope, key: request.key } };
  const claimed = await claim(deps, request);
  if (!claimed) {
    const record = await deps.prisma.idempotencyRecord.findUnique({ where });
    if (!record) return runIdempotently(deps, request, execute); // expired and removed meanwhile
    if (record.requestHash !== request.fingerprint) {
      throw new AppError(
        "idempotency_key_reused",
        "this Idempotency-Key was already used with a different request; use a new key for a new request",
      );
    }
    if (record.state !== "done") {
      throw new ConflictError("idempotency_request_in_progress", "a request with this Idempotency-Key is still being processed; retry shortly");
    }
    const sealed = (record.responseBody as { sealed: string }).sealed;
    return { status: record.responseStatus ?? 200, body: JSON.parse(box.open(sealed)), replayed: true };
  }
  let response: StoredResponse;
  try {
    response = await execute();
  } catch (error) {
    await deps.prisma.idempotencyRecord.delete({ where }).catch(() => {});
    throw error;
  }
  await deps.prisma.idempotencyRecord.update({
    where,
    data: {
      state: "done",
      responseStatus: response.status,
      responseBody: { sealed: box.seal(JSON.stringify(response.replayBody ?? response.body)) },
    },
  });
  return { status: response.status, body: response.body, replayed: false };
}

/** Inserts the in-flight record; false when (scope, key) is already taken by a live record. */
async function claim(deps: Pick<Deps, "prisma">, request: IdempotentRequest): Promise<boolean> {
  const now = new Date();
  // Expired records, and in-flight ones abandoned by a crashed process, free the key.
  await deps.prisma.idempotencyRecord.deleteMany({
    where: {
      scope: request.scope,
      key: request.key,
      OR: [{ expiresAt: { lt: now } }, { state: "in_flight", createdAt: { lt: new Date(now.getTime() - ABANDONED_AFTER_MS) } }],
    },
  });
  try {
    await deps.prisma.idempotencyRecord.create({
      data: {
        scope: request.scope,
        key: request.key,
        requestHash: request.fingerprint,
        state: "in_flight",
        expiresAt: new Date(now.getTime() + IDEMPOTENCY_TTL_MS),
      },
    });
    return true;
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") return false;
    throw error;
  }
}
