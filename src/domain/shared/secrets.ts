// Encryption at rest for stored secrets, keyed by the server secret (AES-256-GCM),
// and the one-way hash of credentials.
import { createCipheriv, createDecipheriv, hash, hkdfSync, randomBytes, timingSafeEqual } from "node:crypto";

export interface SecretBox {
  seal(plaintext: string): string;
  open(sealed: string): string;
}

const boxes = new Map<string, SecretBox>();

/** One box per server secret: the key is derived once, not on every request. */
export function secretBox(serverSecret: string): SecretBox {
  let box = boxes.get(serverSecret);
  if (!box) boxes.set(serverSecret, (box = makeSecretBox(serverSecret)));
  return box;
}

function makeSecretBox(serverSecret: string): SecretBox {
  const key = Buffer.from(hkdfSync("sha256", serverSecret, "asg-refinery", "stored-secrets-v1", 32));
  return {
    seal(plaintext) {
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
      return `v1.${iv.toString("base64url")}.${cipher.getAuthTag().toString("base64url")}.${body.toString("base64url")}`;
    },
    open(sealed) {
      const [version, iv, tag, body] = sealed.split(".");
      if (version !== "v1" || !iv || !tag || body === undefined) throw new Error("not a sealed secret");
      const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
      decipher.setAuthTag(Buffer.from(tag, "base64url"));
      return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString("utf8");
    },
  };
}

/** Digests of configured tokens (ADMIN_TOKEN, METRICS_TOKEN): computed once, not at every request. */
const expectedDigests = new Map<string, Buffer>();

/** Compares a presented token with a configured one in constant time (whatever their lengths). */
export function matchesSecret(expected: string, presented: string): boolean {
  return matchesDigest(expected, credentialDigest(presented));
}

/** matchesSecret for a token whose digest is already computed. */
export function matchesDigest(expected: string, presentedDigest: Buffer): boolean {
  let digest = expectedDigests.get(expected);
  if (!digest) expectedDigests.set(expected, (digest = credentialDigest(expected)));
  return timingSafeEqual(digest, presentedDigest);
}

/** SHA-256, one-shot: about half the cost of a Hash object, on every authenticated request. */
export function credentialDigest(credential: string): Buffer {
  return hash("sha256", credential, "buffer");
}

/** Credentials (API keys, annotator tokens) are stored only as this hash. */
export function hashCredential(credential: string): string {
  return credentialDigest(credential).toString("hex");
}
