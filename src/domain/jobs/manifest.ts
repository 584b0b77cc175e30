// Reading a job's manifest: where it is (s3:// or an HTTP(S) URL), a GET
// signed with AWS SigV4 when the customer gave S3 credentials, through the
// same SSRF guard as webhooks (checked at connect time), streamed line by line.
import http from "node:http";
import https from "node:https";
import type { Readable } from "node:stream";
import { Hash } from "@smithy/hash-node";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import type { JobFailureCode } from "../shared/index.js";
import { guardedLookup, refusedLiteralTarget } from "../webhooks/index.js";

export interface S3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  region: string;
}

/** Why a job failed, with a stable code (s3_access_denied, manifest_not_found, …). */
export class JobFailure extends Error {
  constructor(
    readonly code: JobFailureCode,
    message: string,
  ) {
    super(message);
  }
}

const S3_URL = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(.+)$/;

export function isS3Url(value: string): boolean {
  return S3_URL.test(value);
}

/**
 * The HTTP(S) address of an s3:// object: path-style on the configured
 * S3-compatible endpoint, else AWS's virtual-hosted style in the region.
 */
export function objectUrl(s3Url: string, region: string, endpoint: string | undefined): URL {
  const [, bucket, key] = s3Url.match(S3_URL)!;
  const escapedKey = key.split("/").map(encodeURIComponent).join("/");
  if (endpoint) return new URL(`${endpoint.replace(/\/$/, "")}/${bucket}/${escapedKey}`);
  return new URL(`https://${bucket}.s3.${region}.amazonaws.com/${escapedKey}`);
}

const CONNECT_TIMEOUT_MS = 15_000;
/** A manifest that stops sending for this long is unreachable. */
const IDLE_TIMEOUT_MS = 30_000;

/** Opens the manifest for reading; throws JobFailure when it cannot be read. */
export async function openManifest(
  location: string,
  credentials: S3Credentials | null,
  options: { s3Endpoint?: string; allowPrivateTargets: boolean },
): Promise<Readable> {
  const url = isS3Url(location) ? objectUrl(location, credentials?.region ?? "us-east-1", options.s3Endpoint) : new URL(location);
  const refused = refusedLiteralTarget(url, options.allowPrivateTargets);
  if (refused) throw new JobFailure("manifest_unreachable", `manifest_url: ${refused.message}`);
  const headers = credentials ? await signedGetHeaders(url, credentials) : {};
  const response = await get(url, headers, options.allowPrivateTargets);
  const status = response.statusCode ?? 0;
  if (status === 200) return response;
  response.resume();
  if (status === 403 || status === 401) throw new JobFailure("s3_access_denied", `the manifest's host refused access (HTTP ${status}); check s3_credentials`);
  if (status === 404) throw new JobFailure("manifest_not_found", "no object at manifest_url (HTTP 404)");
  throw new JobFailure("manifest_unreachable", `the manifest's host answered HTTP ${status}`);
}

/** SigV4 headers for a GET of `url` (service s3), with AWS's own signer. */
async function signedGetHeaders(url: URL, credentials: S3Credentials): Promise<Record<string, string>> {
  const signer = new SignatureV4({
    credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: credentials.secretAccessKey, sessionToken: credentials.sessionToken },
    region: credentials.region,
    service: "s3",
    sha256: Hash.bind(null, "sha256"),
    // S3 signs the path as sent, without escaping it a second time.
    uriEscapePath: false,
  });
  const request = new HttpRequest({
    method: "GET",
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers: { host: url.host, "x-amz-content-sha256": "UNSIGNED-PAYLOAD" },
  });
  return (await signer.sign(request)).headers;
}

function get(url: URL, headers: Record<string, string>, allowPrivateTargets: boolean): Promise<http.IncomingMessage> {
  const client = url.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.get(url, { headers, lookup: guardedLookup(allowPrivateTargets), timeout: CONNECT_TIMEOUT_MS, agent: false }, (response) => {
      response.setTimeout(IDLE_TIMEOUT_MS, () => response.destroy(new JobFailure("manifest_unreachable", `the manifest stopped arriving for ${IDLE_TIMEOUT_MS / 1000} s`)));
      resolve(response);
    });
    request.on("timeout", () => request.destroy(new Error(`no answer within ${CONNECT_TIMEOUT_MS / 1000} s`)));
    request.on("error", (error) =>
      reject(error instanceof JobFailure ? error : new JobFailure("manifest_unreachable", `manifest_url could not be fetched: ${error.message}`)),
    );
  });
}

export interface ManifestLine {
  /** 1-based line number in the file. */
  number: number;
  /** The line's text, or null when it was longer than the limit (its bytes were not kept). */
  text: string | null;
}

/**
 * The non-blank lines of a stream, without ever holding more than one line
 * (at most `maxLineBytes`) in memory. A read error becomes manifest_unreachable.
 */
export async function* linesOf(stream: Readable, maxLineBytes: number): AsyncGenerator<ManifestLine> {
  let parts: Buffer[] = [];
  let size = 0;
  let tooLong = false;
  let number = 0;
  const finish = (text: string | null): ManifestLine | undefined => {
    number++;
    if (size > 0) parts = [];
    size = 0;
    tooLong = false;
    const line = text !== null && text.endsWith("\r") ? text.slice(0, -1) : text;
    return line !== null && line.trim() === "" ? undefined : { number, text: line };
  };
  const pending = () => (tooLong ? null : Buffer.concat(parts, size).toString("utf8"));
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let start = 0;
      for (let newline = chunk.indexOf(10); newline !== -1; newline = chunk.indexOf(10, start)) {
        // Most lines lie within one chunk: decoded straight from it.
        let text: string | null;
        if (parts.length === 0 && !tooLong) text = newline - start > maxLineBytes ? null : chunk.toString("utf8", start, newline);
        else {
          keep(chunk.subarray(start, newline));
          text = pending();
        }
        const line = finish(text);
        if (line) yield line;
        start = newline + 1;
      }
      if (start < chunk.length) keep(chunk.subarray(start));
    }
  } catch (error) {
    if (error instanceof JobFailure) throw error;
    throw new JobFailure("manifest_unreachable", `reading the manifest failed: ${(error as Error).message}`);
  }
  if (size > 0 || tooLong) {
    const line = finish(pending());
    if (line) yield line;
  }

  function keep(bytes: Buffer) {
    if (tooLong || bytes.length === 0) return;
    if (size + bytes.length > maxLineBytes) {
      tooLong = true;
      parts = [];
      size = 0;
      return;
    }
    parts.push(bytes);
    size += bytes.length;
  }
}
