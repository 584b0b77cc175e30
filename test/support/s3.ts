// A real S3-protocol server on 127.0.0.1 (s3rver), behind a small gate that
// verifies AWS SigV4 signatures with the AWS SDK's own signer: s3rver 3.7
// checks only the access key id, so without the gate a wrong secret would pass.
import http from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { AddressInfo } from "node:net";
import { Hash } from "@smithy/hash-node";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import S3rver from "s3rver";

export const S3_ACCESS_KEY_ID = "AKIDREFINERYTEST";
export const S3_SECRET_ACCESS_KEY = "refinery-test-secret-access-key-0123456789";
export const S3_REGION = "us-east-1";

export interface S3Server {
  /** The gate's address: use it as S3_ENDPOINT and in manifest URLs. */
  endpoint: string;
  bucket: string;
  /** Stores an object (straight into s3rver). */
  put(key: string, body: string): Promise<void>;
  close(): Promise<void>;
}

export async function startS3Server(bucket = "manifests"): Promise<S3Server> {
  const directory = mkdtempSync(path.join(tmpdir(), "refinery-s3-"));
  const s3rver = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory, configureBuckets: [{ name: bucket, configs: [] }] });
  const { port: s3Port } = (await s3rver.run()) as AddressInfo;
  const backend = `http://127.0.0.1:${s3Port}`;

  const gate = http.createServer(async (req, res) => {
    const refusal = await signatureProblem(req);
    if (refusal) {
      res.writeHead(403, { "content-type": "application/xml" });
      res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${refusal}</Code><Message>${refusal}</Message></Error>`);
      return;
    }
    // Verified here; s3rver gets the request without its signature.
    const { authorization: _verified, ...headers } = req.headers;
    const upstream = http.request(`${backend}${req.url}`, { method: req.method, headers: { ...headers, host: `127.0.0.1:${s3Port}` } }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => gate.listen(0, "127.0.0.1", resolve));
  const endpoint = `http://127.0.0.1:${(gate.address() as AddressInfo).port}`;

  return {
    endpoint,
    bucket,
    put: async (key, body) => {
      const response = await fetch(`${backend}/${bucket}/${key}`, { method: "PUT", body });
      if (!response.ok) throw new Error(`s3rver refused the PUT: ${response.status} ${await response.text()}`);
    },
    close: async () => {
      gate.closeAllConnections();
      await new Promise((resolve) => gate.close(resolve));
      await s3rver.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** Null when the request carries a valid SigV4 signature of our test key; else S3's error code. */
async function signatureProblem(req: http.IncomingMessage): Promise<string | null> {
  const authorization = req.headers.authorization ?? "";
  const match = authorization.match(/^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/);
  if (!match) return "AccessDenied";
  const [, accessKeyId, , region, signedHeaders, signature] = match;
  if (accessKeyId !== S3_ACCESS_KEY_ID) return "InvalidAccessKeyId";
  const url = new URL(req.url ?? "/", `http://${req.headers.host}`);
  const headers = Object.fromEntries(signedHeaders.split(";").map((name) => [name, String(req.headers[name] ?? "")]));
  const amzDate = String(req.headers["x-amz-date"] ?? "");
  const signingDate = new Date(`${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`);
  const signer = new SignatureV4({
    credentials: { accessKeyId, secretAccessKey: S3_SECRET_ACCESS_KEY },
    region,
    service: "s3",
    sha256: Hash.bind(null, "sha256"),
    uriEscapePath: false,
  });
  const expected = await signer.sign(
    new HttpRequest({
      method: req.method,
      protocol: "http:",
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
    }),
    { signingDate },
  );
  const expectedSignature = String(expected.headers.authorization ?? "").match(/Signature=([0-9a-f]{64})/)?.[1];
  return expectedSignature === signature ? null : "SignatureDoesNotMatch";
}
