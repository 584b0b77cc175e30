// A customer's API keys, as Stripe's and Scale's customers know them: one or
// more per environment, created (shown once) and revoked by the customer, so
// a key can be rotated without downtime; each shows when it was last used.
import { z } from "zod";
import { transaction } from "../../db/transaction.js";
import type { Deps } from "../../deps.js";
import type { ApiKey } from "../../generated/prisma/client.js";
import { AppError, ConflictError, newId, NotFoundError, parseInput, KEY_SCOPES, TIERS, type CustomerActor, type Environment } from "../shared/index.js";
import { forgetCachedKeys, generateApiKey } from "./credentials.js";
import { auditCustomerChange } from "../audit/index.js";

export const API_KEY_NOTICE = "Store this API key securely — it cannot be retrieved again.";

/** Active keys a customer may hold at once: enough to rotate, few enough to keep track of. */
const MAX_ACTIVE_KEYS = 10;

export interface CreatedApiKey {
  key: ApiKey;
  /** The key itself, shown this once. */
  apiKey: string;
  message: string;
}

/** GET /v1/api-keys, apiKeys: every key, revoked ones too, newest first. Never the keys themselves. */
export async function listApiKeys(deps: Pick<Deps, "prisma">, actor: CustomerActor): Promise<ApiKey[]> {
  return deps.prisma.apiKey.findMany({ where: { customerId: actor.customerId }, orderBy: [{ createdAt: "desc" }, { id: "desc" }] });
}

export const newKeySchema = z.object({ environment: z.enum(TIERS).optional(), scope: z.enum(KEY_SCOPES).optional() }).strict();

/**
 * Live keys are managed with a live key only. A sandbox key lives in CI and
 * test configs, less guarded than a live one: were it to leak, it must not
 * mint a key that bills live labels, nor revoke the keys production runs on.
 */
function checkManages(actor: CustomerActor, environment: Environment): void {
  if (environment === "live" && actor.environment !== "live") {
    throw new AppError("live_key_required", "live keys are created and revoked with a live key; this one is a sandbox key");
  }
}

/** POST /v1/api-keys, createApiKey: a new key of an environment (by default the caller's). */
export async function createApiKey(deps: Pick<Deps, "prisma">, actor: CustomerActor, input: unknown): Promise<CreatedApiKey> {
  const parsed = parseInput(newKeySchema, input ?? {});
  const environment: Environment = parsed.environment ?? actor.environment;
  const scope = parsed.scope ?? "full";
  return transaction(deps.prisma, async (tx) => {
    const [customer] = await tx.$queryRaw<{ tier: string }[]>`SELECT tier FROM customers WHERE id = ${actor.customerId} FOR UPDATE`;
    if (environment === "live" && customer.tier !== "live") {
      throw new AppError("live_not_enabled", "live keys are issued once an operator has moved your account to the live tier");
    }
    checkManages(actor, environment);
    const active = await tx.apiKey.count({ where: { customerId: actor.customerId, revokedAt: null } });
    if (active >= MAX_ACTIVE_KEYS) {
      throw new ConflictError("too_many_keys", `at most ${MAX_ACTIVE_KEYS} keys may be active at once; revoke one first`, { max_active_keys: MAX_ACTIVE_KEYS });
    }
    const generated = generateApiKey(environment);
    const key = await tx.apiKey.create({
      data: { id: newId("key"), customerId: actor.customerId, hash: generated.hash, prefix: generated.prefix, environment, scope },
    });
    await auditCustomerChange(tx, actor, { action: "api_key.created", targetId: key.id, details: { environment, scope, prefix: key.prefix } });
    return { key, apiKey: generated.key, message: API_KEY_NOTICE };
  });
}

/**
 * DELETE /v1/api-keys/{id}, revokeApiKey: the key stops working at once, in
 * every process (see forgetCachedKeys). Revoking a
 * revoked key answers it as it is; the last active key cannot be revoked, so
 * a customer never locks itself out.
 */
export async function revokeApiKey(deps: Pick<Deps, "prisma" | "pubsub">, actor: CustomerActor, keyId: string): Promise<ApiKey> {
  const revoked = await transaction(deps.prisma, async (tx) => {
    await tx.$queryRaw`SELECT id FROM customers WHERE id = ${actor.customerId} FOR UPDATE`;
    const key = await tx.apiKey.findFirst({ where: { id: keyId, customerId: actor.customerId } });
    if (!key) throw new NotFoundError(`API key ${keyId}`);
    checkManages(actor, key.environment as Environment);
    if (key.revokedAt) return key;
    const othersActive = await tx.apiKey.count({ where: { customerId: actor.customerId, revokedAt: null, id: { not: key.id } } });
    if (othersActive === 0) throw new ConflictError("last_active_key", "this is your only active key; create another before revoking it");
    await auditCustomerChange(tx, actor, { action: "api_key.revoked", targetId: key.id, details: { environment: key.environment, prefix: key.prefix } });
    return tx.apiKey.update({ where: { id: key.id }, data: { revokedAt: new Date() } });
  });
  forgetCachedKeys(deps);
  return revoked;
}
