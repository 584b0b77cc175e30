// Customers: self-registration (sandbox tier) with a key shown once, and the profile.
import { z } from "zod";
import type { Deps } from "../../deps.js";
import { transaction } from "../../db/transaction.js";
import { Prisma, type Customer } from "../../generated/prisma/client.js";
import {
  ConflictError,
  newId,
  NotFoundError,
  parseInput,
  TIERS,
  type AdminActor,
  type CustomerActor,
  type Environment,
  type RequestOrigin,
  type Tier,
} from "../shared/index.js";
import { callbackSecret } from "../webhooks/index.js";
import { forgetCachedKeys, generateApiKey } from "./credentials.js";
import { API_KEY_NOTICE } from "./api-keys.js";
import { auditCustomerChange, auditOperatorChange } from "../audit/index.js";

const SANDBOX_LABEL_QUOTA = 500;

export const registrationSchema = z
  .object({
    name: z.string().trim().min(1, "must not be empty").max(200, "must be at most 200 characters"),
    email: z
      .string()
      .trim()
      .max(254, "must be at most 254 characters")
      .pipe(z.email({ message: "must be a valid email address" }))
      .transform((email) => email.toLowerCase()),
  })
  .strict();

export interface Registration {
  customerId: string;
  apiKey: string;
  tier: Tier;
  labelQuota: number;
  message: string;
}

/** POST /v1/customers, registerCustomer. */
export async function registerCustomer(deps: Pick<Deps, "prisma">, input: unknown, origin?: RequestOrigin): Promise<Registration> {
  const { name, email } = parseInput(registrationSchema, input);
  const tier: Tier = "sandbox";
  const key = generateApiKey(tier);
  const customerId = newId("cust");
  const keyId = newId("key");
  try {
    await transaction(deps.prisma, async (tx) => {
      await tx.customer.create({
        data: {
          id: customerId,
          name,
          email,
          tier,
          labelQuota: 0,
          sandboxLabelQuota: SANDBOX_LABEL_QUOTA,
          apiKeys: { create: { id: keyId, hash: key.hash, prefix: key.prefix, environment: "sandbox" } },
        },
      });
      // The registration's own first key is its actor.
      const registrant: CustomerActor = { kind: "customer", customerId, environment: "sandbox", keyId, origin };
      await auditCustomerChange(tx, registrant, { action: "customer.registered", targetId: customerId, details: { key_id: keyId }, accountWide: true });
    });
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
      throw new ConflictError("email_taken", "a customer with this email already exists");
    }
    throw error;
  }
  return { customerId, apiKey: key.key, tier, labelQuota: SANDBOX_LABEL_QUOTA, message: API_KEY_NOTICE };
}

export interface Quota {
  labelQuota: number;
  labelsUsed: number;
  labelsRemaining: number;
}

/** The label quota of one environment: sandbox keys have their own. */
export function quotaOf(customer: Customer, environment: Environment): Quota {
  const [labelQuota, labelsUsed] =
    environment === "sandbox" ? [customer.sandboxLabelQuota, customer.sandboxLabelsUsed] : [customer.labelQuota, customer.labelsUsed];
  return { labelQuota, labelsUsed, labelsRemaining: Math.max(0, labelQuota - labelsUsed) };
}

export interface Profile extends Quota {
  customerId: string;
  name: string;
  email: string;
  tier: Tier;
  /** The environment of the key that asked; the quota is this environment's. */
  environment: Environment;
  apiKeyPrefix: string | null;
  /** Verifies deliveries to tasks' callback_url. */
  callbackSecret: string;
  createdAt: Date;
}

/** GET /v1/customers/me, me. Never includes the key. */
export async function getProfile(deps: Pick<Deps, "prisma" | "config">, actor: CustomerActor): Promise<Profile> {
  const customer = await deps.prisma.customer.findUnique({
    where: { id: actor.customerId },
    include: { apiKeys: { where: { revokedAt: null, environment: actor.environment }, orderBy: { createdAt: "desc" }, take: 1 } },
  });
  if (!customer) throw new NotFoundError("customer");
  return {
    customerId: customer.id,
    name: customer.name,
    email: customer.email,
    tier: customer.tier as Tier,
    environment: actor.environment,
    ...quotaOf(customer, actor.environment),
    apiKeyPrefix: customer.apiKeys[0]?.prefix ?? null,
    callbackSecret: await callbackSecret(deps, actor, customer),
    createdAt: customer.createdAt,
  };
}

const tierSchema = z
  .object({
    customerId: z.string().min(1),
    tier: z.enum(TIERS),
    labelQuota: z.number().int().min(0).max(100_000_000),
  })
  .strict();

export interface TierChange {
  customerId: string;
  tier: Tier;
  /** The quota set: the live one for LIVE, the sandbox one for SANDBOX. */
  labelQuota: number;
  /** A live key issued by this change (the customer had none): shown this once. */
  liveApiKey: string | null;
}

/**
 * Operators move a customer to live — which issues its first live key, shown
 * once, whose tasks go to people — or back to sandbox, which revokes its live
 * keys. `labelQuota` sets that tier's quota. Sandbox keys keep working either way.
 */
export async function setCustomerTier(deps: Pick<Deps, "prisma" | "pubsub">, admin: AdminActor, input: unknown): Promise<TierChange> {
  const { customerId, tier, labelQuota } = parseInput(tierSchema, input);
  const liveApiKey = await transaction(deps.prisma, async (tx) => {
    const updated = await tx.customer.updateMany({
      where: { id: customerId },
      data: tier === "live" ? { tier, labelQuota } : { tier, sandboxLabelQuota: labelQuota },
    });
    if (updated.count === 0) throw new NotFoundError(`customer ${customerId}`);
    await auditOperatorChange(tx, admin, customerId, { action: "customer.tier_changed", targetId: customerId, details: { tier, label_quota: labelQuota } });
    if (tier === "sandbox") {
      await tx.apiKey.updateMany({ where: { customerId, environment: "live", revokedAt: null }, data: { revokedAt: new Date() } });
      return null;
    }
    if (await tx.apiKey.count({ where: { customerId, environment: "live", revokedAt: null } })) return null;
    const key = generateApiKey("live");
    await tx.apiKey.create({ data: { id: newId("key"), customerId, hash: key.hash, prefix: key.prefix, environment: "live" } });
    return key.key;
  });
  forgetCachedKeys(deps);
  return { customerId, tier, labelQuota, liveApiKey };
}
