// Credentials: customer API keys and annotator tokens — high entropy, shown
// once, stored only as a SHA-256 hash plus a display prefix — and their
// authentication (with the operator's ADMIN_TOKEN).
import { randomBytes } from "node:crypto";
import { LRUCache } from "lru-cache";
import type { Deps } from "../../deps.js";
import {
  CREDENTIALS_NEEDED,
  credentialDigest,
  hashCredential,
  matchesDigest,
  UnauthorizedError,
  type Actor,
  type CredentialKind,
  type Environment,
  type KeyScope,
  type Role,
} from "../shared/index.js";

const KEY_FORMAT = /^sk_(sandbox|live)_[A-Za-z0-9_-]{32}$/;
const ANNOTATOR_TOKEN_FORMAT = /^at_[A-Za-z0-9_-]{32}$/;
/** A member's session (the console's cookie, or a short-lived bearer). */
const SESSION_TOKEN_FORMAT = /^ses_[A-Za-z0-9_-]{43}$/;

export interface NewCredential {
  key: string;
  hash: string;
  prefix: string;
}

export function generateApiKey(environment: Environment): NewCredential {
  const key = `sk_${environment}_${randomBytes(24).toString("base64url")}`;
  return { key, hash: hashCredential(key), prefix: displayPrefix(key) };
}

/** The console's session cookie: HTTP-only, same-site only, Secure behind TLS. */
export const SESSION_COOKIE = "refinery_session";

/** The session token of a Cookie header, if it has one. */
export function sessionCookieOf(cookieHeader: string | null | undefined): string | undefined {
  return new RegExp(`(?:^|;\\s*)${SESSION_COOKIE}=([A-Za-z0-9_-]+)`).exec(cookieHeader ?? "")?.[1];
}

export function generateSessionToken(): NewCredential {
  const key = `ses_${randomBytes(32).toString("base64url")}`;
  return { key, hash: hashCredential(key), prefix: key.slice(0, 8) };
}

export function generateAnnotatorToken(): NewCredential {
  const key = `at_${randomBytes(24).toString("base64url")}`;
  return { key, hash: hashCredential(key), prefix: key.slice(0, 7) };
}

/** Enough to recognise a key in a list, far too little to use it. */
function displayPrefix(key: string): string {
  const tierEnd = key.indexOf("_", 3) + 1;
  return key.slice(0, tierEnd + 4);
}

/**
 * Recent lookups, per database client: every authenticated request would
 * otherwise pay a query. A revoked key stops working at once (see
 * forgetCachedKeys), and within AUTH_CACHE_TTL_MS in every process even where
 * the revocation message is lost (Redis briefly away): one lookup per key
 * per second per process.
 */
const AUTH_CACHE_TTL_MS = 1_000;
/** How stale a key's last_used_at may be: a lookup writes it only when older, not once a second. */
const LAST_USED_PRECISION = "30 seconds";
/** A lookup's answer, or the lookup under way: concurrent calls with one key share it. */
const authCaches = new WeakMap<object, LRUCache<string, { actor: Promise<Actor | null> }>>();

/**
 * Accepts "Bearer <credential>" or a bare one (graphql-ws connectionParams):
 * a customer API key (sk_…), an annotator token (at_…) or the operator's
 * ADMIN_TOKEN. Null when absent or not valid.
 */
export async function authenticateBearer(deps: Pick<Deps, "prisma" | "config">, credentials: string | undefined): Promise<Actor | null> {
  if (!credentials) return null;
  const key = credentials.replace(/^Bearer\s+/i, "").trim();
  // One digest serves the comparison with ADMIN_TOKEN and the key lookup.
  const digest = credentialDigest(key);
  if (deps.config.adminToken !== undefined && matchesDigest(deps.config.adminToken, digest)) return { kind: "admin" };
  if (!KEY_FORMAT.test(key) && !ANNOTATOR_TOKEN_FORMAT.test(key) && !SESSION_TOKEN_FORMAT.test(key)) return null;
  const hash = digest.toString("hex");
  let cache = authCaches.get(deps.prisma);
  if (!cache) authCaches.set(deps.prisma, (cache = new LRUCache({ max: 10_000, ttl: AUTH_CACHE_TTL_MS })));
  const cached = cache.get(hash);
  if (cached) return cached.actor;
  // Cached before it is answered: a revocation that clears the cache meanwhile
  // also drops this lookup, which may have read the key before it was revoked.
  const entry = { actor: lookUpKey(deps, key, hash) };
  cache.set(hash, entry);
  entry.actor.catch(() => {
    if (cache.get(hash) === entry) cache.delete(hash);
  });
  return entry.actor;
}

/**
 * Whether credentials still authenticate the caller they did when a
 * long-lived operation (a subscription) began: not once the key is revoked or
 * the annotator disabled. A lookup as cheap as a request's (cached, and
 * forgotten at once on a revocation).
 */
export async function stillAuthenticates(deps: Pick<Deps, "prisma" | "config">, credentials: string | undefined, actor: Actor): Promise<boolean> {
  const current = await authenticateBearer(deps, credentials);
  return current !== null && principalOf(current) === principalOf(actor);
}

function principalOf(actor: Actor): string {
  if (actor.kind === "customer") return `customer ${actor.customerId} ${actor.environment} ${actor.memberId ?? ""} ${actor.role ?? ""}`;
  if (actor.kind === "annotator") return `annotator ${actor.annotatorId}`;
  return "admin";
}

const CREDENTIAL_NAMES: Record<CredentialKind, string> = {
  customer: "an API key",
  annotator: "an annotator token",
  admin: "the operator's ADMIN_TOKEN",
};

/**
 * The refusal of a caller without the credential an operation needs, from
 * what it presented and who that turned out to be: one message per mistake,
 * the same over REST, GraphQL over HTTP, SSE and graphql-ws.
 */
export function refusal(needed: CredentialKind, presented: string | null | undefined, actor: Actor | null): UnauthorizedError {
  if (actor && actor.kind !== needed) {
    return new UnauthorizedError(`this operation needs ${CREDENTIAL_NAMES[needed]}, not ${CREDENTIAL_NAMES[actor.kind]}`, "wrong_kind");
  }
  const key = presented?.replace(/^Bearer\s+/i, "").trim();
  if (!key) return new UnauthorizedError(CREDENTIALS_NEEDED[needed], "missing");
  if (KEY_FORMAT.test(key)) return new UnauthorizedError("the API key is invalid or has been revoked", "unknown");
  if (ANNOTATOR_TOKEN_FORMAT.test(key)) return new UnauthorizedError("the annotator token is invalid or has been disabled", "unknown");
  if (SESSION_TOKEN_FORMAT.test(key)) return new UnauthorizedError("the session has expired or was signed out; sign in again", "unknown");
  return new UnauthorizedError(`the credential sent is not one this service issues: ${CREDENTIALS_NEEDED[needed]}`, "malformed");
}

/**
 * Forgets this process's cached lookups at once, and tells every other
 * process to (over Redis when there is one): a revoked key stops working
 * everywhere without waiting for the cache to expire.
 */
export function forgetCachedKeys(deps: Pick<Deps, "prisma" | "pubsub">) {
  authCaches.get(deps.prisma)?.clear();
  deps.pubsub.publish("credentials:revoked", "all", { at: Date.now() });
}

/** Clears this process's cache whenever any process revokes a credential; answers how to stop listening. */
export async function followRevocations(deps: Pick<Deps, "prisma" | "pubsub" | "logger">): Promise<() => Promise<void>> {
  const revocations = await deps.pubsub.listen("credentials:revoked", "all");
  const done = (async () => {
    for await (const _revocation of revocations) authCaches.get(deps.prisma)?.clear();
  })().catch((error) => deps.logger.error({ err: error }, "revocation listener stopped"));
  return async () => {
    await revocations.return?.();
    await done;
  };
}

async function lookUpKey(deps: Pick<Deps, "prisma">, key: string, hash: string): Promise<Actor | null> {
  if (ANNOTATOR_TOKEN_FORMAT.test(key)) {
    const annotator = await deps.prisma.annotator.findUnique({ where: { tokenHash: hash }, select: { id: true, kind: true, disabledAt: true, ownerCustomerId: true } });
    if (!annotator || annotator.disabledAt) return null;
    return { kind: "annotator", annotatorId: annotator.id, workforce: annotator.kind === "simulated" ? "simulated" : "human", ownerCustomerId: annotator.ownerCustomerId };
  }
  if (SESSION_TOKEN_FORMAT.test(key)) {
    const [session] = await deps.prisma.$queryRaw<{ customer_id: string; environment: Environment; member_id: string; role: Role }[]>`
      SELECT m.customer_id, s.environment, m.id AS member_id, m.role FROM sessions s JOIN members m ON m.id = s.member_id
      WHERE s.token_hash = ${hash} AND s.revoked_at IS NULL AND s.expires_at > now() AND m.accepted_at IS NOT NULL`;
    return session ? { kind: "customer", customerId: session.customer_id, environment: session.environment, memberId: session.member_id, role: session.role } : null;
  }
  // One statement finds the key and records its use when the record is older than LAST_USED_PRECISION.
  const [apiKey] = await deps.prisma.$queryRaw<{ id: string; customer_id: string; environment: Environment; scope: KeyScope }[]>`
    WITH found AS (SELECT id, customer_id, environment, scope, last_used_at FROM api_keys WHERE hash = ${hash} AND revoked_at IS NULL),
    touched AS (
      UPDATE api_keys SET last_used_at = now() FROM found
      WHERE api_keys.id = found.id AND (found.last_used_at IS NULL OR found.last_used_at < now() - ${LAST_USED_PRECISION}::interval)
    )
    SELECT id, customer_id, environment, scope FROM found`;
  return apiKey ? { kind: "customer", customerId: apiKey.customer_id, environment: apiKey.environment, keyId: apiKey.id, scope: apiKey.scope } : null;
}
