// SSRF protection for webhook URLs: after DNS resolution, refuse loopback,
// private, link-local, metadata and other non-public addresses, unless the
// operator allows private targets (local development, tests).
import { lookup as dnsLookup } from "node:dns";
import { isIP, type LookupFunction } from "node:net";
import ipaddr from "ipaddr.js";
import { AppError, type ErrorCode } from "../shared/index.js";

/** Only ordinary public unicast addresses are reachable targets. */
function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === "ipv6" && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  return parsed.range() === "unicast";
}

class UnsafeTargetError extends AppError {
  constructor(host: string, address: string) {
    super("unsafe_callback_url", `host ${host} resolves to ${address}, which is not a public address`);
  }
}

/** The one rule, for a resolved address or an IP literal: public, or private targets allowed. */
function refusal(host: string, address: string, allowPrivate: boolean): UnsafeTargetError | undefined {
  return allowPrivate || isPublicAddress(address) ? undefined : new UnsafeTargetError(host, address);
}

/** Node connects to an IP literal without calling `lookup`: the same rule, checked up front. */
export function refusedLiteralTarget(url: URL, allowPrivate: boolean): UnsafeTargetError | undefined {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  return isIP(host) ? refusal(host, host, allowPrivate) : undefined;
}

/**
 * A `lookup` for http.request that checks the address it connects to, so a
 * DNS answer cannot change between our check and the connection.
 */
export function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, "", 0);
      const list = addresses as unknown as { address: string; family: number }[];
      const refused = list.map((a) => refusal(hostname, a.address, allowPrivate)).find(Boolean);
      if (refused) return callback(refused as NodeJS.ErrnoException, "", 0);
      if ((options as { all?: boolean }).all) return (callback as any)(null, list);
      callback(null, list[0].address, list[0].family);
    });
  };
}

/**
 * Registration-time check of the URL given as `field`: a host that resolves
 * must resolve only to public addresses. A host that does not resolve (yet, or
 * from here) is accepted: that is no SSRF, and every delivery checks again at
 * connect time.
 */
export async function assertSafeTarget(url: URL, allowPrivate: boolean, field: string, code: ErrorCode = "unsafe_callback_url"): Promise<void> {
  if (allowPrivate) return;
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const lookup = guardedLookup(allowPrivate);
  await new Promise<void>((resolve, reject) =>
    lookup(host, { all: true }, (error) => {
      if (error instanceof AppError) return reject(new AppError(code, `${field}: ${error.message}`, { path: field }));
      resolve();
    }),
  );
}
