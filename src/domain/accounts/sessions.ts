// Members sign in with email and password: a session, in one environment,
// whose token is a short-lived bearer for API use (an hour), or the console's
// HTTP-only cookie (a working day). Signing out, or being removed, ends it.
import { z } from "zod";
import type { Deps } from "../../deps.js";
import type { Member } from "../../generated/prisma/client.js";
import { AppError, hashCredential, newId, parseInput, TIERS, UnauthorizedError, type Environment } from "../shared/index.js";
import { forgetCachedKeys, generateSessionToken } from "./credentials.js";
import { verifyPassword } from "./passwords.js";

export const BEARER_SESSION_MS = 60 * 60 * 1000;
export const COOKIE_SESSION_MS = 8 * 60 * 60 * 1000;

export const signInSchema = z
  .object({
    email: z.email("must be an email address").max(254).toLowerCase(),
    password: z.string().min(1, "is required").max(200),
    customerId: z.string().max(100).optional(),
    environment: z.enum(TIERS).optional(),
    cookie: z.boolean().optional(),
  })
  .strict();

export interface SignedIn {
  member: Member;
  token: string;
  environment: Environment;
  expiresAt: Date;
  cookie: boolean;
}

const WRONG = "the email or the password is wrong";

/** POST /v1/sessions. Every failure takes a password hash's time and says the same. */
export async function signIn(deps: Pick<Deps, "prisma">, input: unknown): Promise<SignedIn> {
  const { email, password, customerId, environment, cookie } = parseInput(signInSchema, input);
  const candidates = await deps.prisma.member.findMany({
    where: { email, acceptedAt: { not: null }, ...(customerId ? { customerId } : {}) },
    include: { customer: { select: { tier: true } } },
  });
  const matching = [];
  for (const candidate of candidates) if (await verifyPassword(password, candidate.passwordHash)) matching.push(candidate);
  if (candidates.length === 0) await verifyPassword(password, undefined);
  if (matching.length === 0) throw new UnauthorizedError(WRONG, "unknown");
  if (matching.length > 1) {
    throw new AppError("invalid_request", "this email belongs to several accounts: say which with customer_id", {
      errors: [{ path: "customer_id", message: "is required for this email" }],
      customer_ids: matching.map((m) => m.customerId),
    });
  }
  const [{ customer, ...member }] = matching;
  const chosen: Environment = environment ?? (customer.tier === "live" ? "live" : "sandbox");
  if (chosen === "live" && customer.tier !== "live") {
    throw new AppError("live_not_enabled", "this account is not live yet: sign in to its sandbox environment");
  }
  const session = generateSessionToken();
  const expiresAt = new Date(Date.now() + (cookie ? COOKIE_SESSION_MS : BEARER_SESSION_MS));
  await deps.prisma.session.create({ data: { id: newId("ses"), memberId: member.id, tokenHash: session.hash, environment: chosen, expiresAt } });
  return { member, token: session.key, environment: chosen, expiresAt, cookie: cookie ?? false };
}

/** DELETE /v1/sessions/current: the session presented stops working at once. */
export async function signOut(deps: Pick<Deps, "prisma" | "pubsub">, token: string): Promise<void> {
  await deps.prisma.session.updateMany({ where: { tokenHash: hashCredential(token), revokedAt: null }, data: { revokedAt: new Date() } });
  forgetCachedKeys(deps);
}
