// Customers: self-registration (sandbox tier) with a key shown once, and the profile.
import { z } from "zod";
import type { Deps } from "../../deps.js";
import { Prisma } from "../../generated/prisma/client.js";
import { ConflictError, newId, NotFoundError, parseInput, TIERS, type AdminActor, type CustomerActor, type Tier } from "../shared/index.js";
import { callbackSecret } from "../webhooks/index.js";
import { forgetCachedKeys, generateApiKey } from "./credentials.js";

const SANDBOX_LABEL_QUOTA = 500;
const API_KEY_NOTICE = "Store this API key securely — it cannot be retrieved again.";

const registrationSchema = z
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
export async function registerCustomer(deps: Pick<Deps, "prisma">, input: unknown): Promise<Registration> {
  const { name, email } = parseInput(registrationSchema, input);
  const tier: Tier = "sandbox";
  const key = generateApiKey(tier);
  const customerId = newId("cust");
  try {
    await deps.prisma.customer.create({
      data: {
        id: customerId,
        name,
        email,
        tier,
        labelQuota: SANDBOX_LABEL_QUOTA,
        apiKeys: { create: { id: newId("key"), hash: key.hash, prefix: key.prefix } },
      },
    });
  } catch (error) {
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
      throw new ConflictError("email_taken", "a customer with this email already exists");
    }
    throw error;
  }
  return { customerId, apiKey: key.key, tier, labelQuota: SANDBOX_LABEL_QUOTA, message: API_KEY_NOTICE };
}

export interface Profile {
  customerId: string;
  name: string;
  email: string;
  tier: Tier;
  labelQuota: number;
  labelsUsed: number;
  labelsRemaining: number;
  apiKeyPrefix: string | null;
  /** Verifies deliveries to tasks' callback_url. */
  callbackSecret: string;
  createdAt: Date;
}

/** GET /v1/customers/me, me. Never includes the key. */
export async function getProfile(deps: Pick<Deps, "prisma" | "config">, actor: CustomerActor): Promise<Profile> {
  const customer = await deps.prisma.customer.findUnique({
    where: { id: actor.customerId },
    include: { apiKeys: { where: { revokedAt: null }, orderBy: { createdAt: "desc" }, take: 1 } },
  });
  if (!customer) throw new NotFoundError("customer");
  return {
    customerId: customer.id,
    name: customer.name,
    email: customer.email,
    tier: customer.tier as Tier,
    labelQuota: customer.labelQuota,
    labelsUsed: customer.labelsUsed,
    labelsRemaining: Math.max(0, customer.labelQuota - customer.labelsUsed),
    apiKeyPrefix: customer.apiKeys[0]?.prefix ?? null,
    callbackSecret: await callbackSecret(deps, customer.id, customer),
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

/** Operators upgrade a customer to live (humans label its new tasks) or back to sandbox. */
export async function setCustomerTier(deps: Pick<Deps, "prisma">, _admin: AdminActor, input: unknown): Promise<void> {
  const { customerId, tier, labelQuota } = parseInput(tierSchema, input);
  const updated = await deps.prisma.customer.updateMany({ where: { id: customerId }, data: { tier, labelQuota } });
  if (updated.count === 0) throw new NotFoundError(`customer ${customerId}`);
  forgetCachedKeys(deps);
}
