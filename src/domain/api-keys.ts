// API keys: high entropy, shown once, stored only as a SHA-256 hash plus a display prefix.
import { createHash, randomBytes } from "node:crypto";
import type { Deps } from "../deps.js";
import { LRUCache } from "lru-cache";
import type { Actor } from "./actors.js";

export type Tier = "sandbox" | "live";

const KEY_FORMAT = /^sk_(sandbox|live)_[A-Za-z0-9_-]{32}$/;

export function generateApiKey(tier: Tier): { key: string; hash: string; prefix: string } {
  const key = `sk_${tier}_${randomBytes(24).toString("base64url")}`;
  return { key, hash: hashApiKey(key), prefix: displayPrefix(key) };
}

export function hashApiKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

/** Enough to recognise a key in a list, far too little to use it. */
function displayPrefix(key: string): string {
  const tierEnd = key.indexOf("_", 3) + 1;
  return key.slice(0, tierEnd + 4);
}

/**
 * Recent lookups, per database client: every authenticated request would
 * otherwise pay a query. A revoked key stops working within AUTH_CACHE_TTL_MS.
 */
export const AUTH_CACHE_TTL_MS = 30_000;
const authCaches = new WeakMap<object, LRUCache<string, { actor: Actor | null }>>();

/** Accepts "Bearer sk_…" or a bare key (graphql-ws connectionParams). Null when absent or not valid. */
export async function authenticateBearer(deps: Pick<Deps, "prisma">, credentials: string | undefined): Promise<Actor | null> {
  if (!credentials) return null;
  const key = credentials.replace(/^Bearer\s+/i, "").trim();
  if (!KEY_FORMAT.test(key)) return null;
  const hash = hashApiKey(key);
  let cache = authCaches.get(deps.prisma);
  if (!cache) authCaches.set(deps.prisma, (cache = new LRUCache({ max: 10_000, ttl: AUTH_CACHE_TTL_MS })));
  const cached = cache.get(hash);
  if (cached) return cached.actor;
  const actor = await lookUpKey(deps, hash);
  cache.set(hash, { actor });
  return actor;
}

/** Forgets cached lookups, e.g. right after a key is revoked in this process. */
export function forgetCachedKeys(deps: Pick<Deps, "prisma">) {
  authCaches.get(deps.prisma)?.clear();
}

async function lookUpKey(deps: Pick<Deps, "prisma">, hash: string): Promise<Actor | null> {
  const apiKey = await deps.prisma.apiKey.findUnique({
    where: { hash },
    select: { revokedAt: true, customer: { select: { id: true, tier: true } } },
  });
  if (!apiKey || apiKey.revokedAt) return null;
  return { kind: "customer", customerId: apiKey.customer.id, tier: apiKey.customer.tier as Tier };
}
