import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestService, restClient, type TestService } from "../support/harness.js";
import { imageTask, registerCustomer } from "../support/fixtures.js";
import { startReceiver, type Receiver } from "../support/receiver.js";
import { startServerProcess } from "../support/process.js";
import { newId } from "../../src/domain/shared/index.js";
import { secretBox } from "../../src/domain/shared/index.js";

const SECRET = "whsec_" + Buffer.from("0123456789abcdef0123456789abcdef").toString("base64");

describe("SSRF protection (private targets not allowed)", () => {
  let service: TestService;
  let receiver: Receiver;
  beforeAll(async () => {
    service = await startTestService({ env: { ALLOW_PRIVATE_WEBHOOK_TARGETS: "false", ROLE: "all", WEBHOOK_TIMEOUT_MS: "1000" } });
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await service.close();
    await receiver.close();
  });

  it.each([
    "http://127.0.0.1/hook",
    "http://169.254.169.254/latest/meta-data",
    "http://10.0.0.1/hook",
    "http://192.168.1.10/hook",
    "http://localhost/hook",
    "http://[::1]/hook",
    "http://[::ffff:127.0.0.1]/hook",
  ])("refuses to register %s", async (url) => {
    const customer = await registerCustomer(service.rest);
    const res = await service.rest.post("/v1/webhooks", { callback_url: url, secret: SECRET }, { apiKey: customer.apiKey });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("unsafe_callback_url");
  });

  it.each(["http://127.0.0.1:9/manifest.jsonl", "http://169.254.169.254/latest/manifest.jsonl", "http://[::1]:9/m.jsonl"])(
    "refuses a job whose manifest is at %s (a private address)",
    async (url) => {
      const customer = await registerCustomer(service.rest);
      const body = { manifest_url: url, label_spec: { question: "Q?", options: ["a", "b"] } };
      const res = await service.rest.post("/v1/jobs", body, { apiKey: customer.apiKey });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: "unsafe_manifest_url", path: "manifest_url" });
    },
  );

  it("checks again on every attempt: a target that turned private gets nothing", async () => {
    // As if the hostname's DNS answer changed after registration.
    const customer = await registerCustomer(service.rest);
    const webhook = await service.deps.prisma.webhook.create({
      data: {
        id: newId("whk"),
        customerId: customer.customerId,
        environment: "sandbox",
        url: receiver.url,
        secretSealed: secretBox(service.config.serverSecret).seal(SECRET),
        events: ["task.completed"],
        status: "active",
      },
    });
    await service.rest.post("/v1/tasks", imageTask(), { apiKey: customer.apiKey });
    let delivery;
    for (let i = 0; i < 100; i++) {
      delivery = await service.deps.prisma.webhookDelivery.findFirst({ where: { webhookId: webhook.id }, include: { attemptLog: true } });
      if (delivery?.attemptLog.length) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(delivery!.attemptLog[0]).toMatchObject({ statusCode: null, error: expect.stringMatching(/not a public address/) });
    expect(receiver.received).toHaveLength(0);
  });
});

describe("a crash mid-delivery", () => {
  it("still delivers the event after a restart, with the same webhook-id", async () => {
    const receiver = await startReceiver();
    receiver.script("hang");
    const dataDir = mkdtempSync(path.join(tmpdir(), "refinery-crash-"));
    const env = { ALLOW_PRIVATE_WEBHOOK_TARGETS: "true", WEBHOOK_TIMEOUT_MS: "1000", LOG_LEVEL: "warn" };
    const first = await startServerProcess(dataDir, { ...env, LOG_LEVEL: "info" });
    try {
      const rest = restClient(first.url);
      const { apiKey } = await registerCustomer(rest);
      expect((await rest.post("/v1/webhooks", { callback_url: receiver.url, secret: SECRET, events: ["task.completed"] }, { apiKey })).status).toBe(201);
      await rest.post("/v1/tasks", imageTask(), { apiKey });
      await receiver.waitFor(1, 30_000);
      first.child.kill("SIGKILL"); // mid-delivery: the receiver has not answered
      await first.exited;
      const second = await startServerProcess(dataDir, { ...env, LOG_LEVEL: "info" });
      try {
        const requests = await receiver.waitFor(2, 30_000);
        expect(requests[1].headers["webhook-id"]).toBe(requests[0].headers["webhook-id"]);
      } finally {
        second.child.kill("SIGTERM");
        await second.exited;
      }
    } finally {
      first.child.kill("SIGKILL");
      await receiver.close();
    }
  });
});

