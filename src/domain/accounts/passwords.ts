// Members' passwords: scrypt (node:crypto, OpenSSL's), a random salt each, kept
// as "scrypt$N$r$p$salt$hash"; compared in constant time.
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";
import { z } from "zod";

/** 16 MB and about 50 ms per hash here: costly to guess, cheap enough for sign-ins. */
const COST: ScryptOptions = { N: 2 ** 14, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const KEY_LENGTH = 32;

export const passwordSchema = z.string().min(12, "must be at least 12 characters").max(200, "must be at most 200 characters");

function derive(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(password, salt, KEY_LENGTH, options, (error, key) => (error ? reject(error) : resolve(key))));
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, COST);
  return ["scrypt", COST.N, COST.r, COST.p, salt.toString("base64url"), key.toString("base64url")].join("$");
}

/** Whether the password matches; `stored` undefined still costs a hash, so an unknown email takes as long as a wrong password. */
export async function verifyPassword(password: string, stored: string | null | undefined): Promise<boolean> {
  const [scheme, N, r, p, salt, key] = (stored ?? "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$").split("$");
  if (scheme !== "scrypt") return false;
  const expected = Buffer.from(key, "base64url");
  const actual = await derive(password, Buffer.from(salt, "base64url"), { N: Number(N), r: Number(r), p: Number(p), maxmem: COST.maxmem });
  return stored !== undefined && stored !== null && expected.length === actual.length && timingSafeEqual(expected, actual);
}
