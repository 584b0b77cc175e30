// Passwords, invitation tokens and session tokens are shown once (the token
// in its answer) and then never again: not in the server's log (captured at
// debug level, as an operator chasing a problem would run it), not in
// /metrics, not in any later answer (members, audit log).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { restClient } from "../support/harness.js";
import { registerCustomer } from "../support/fixtures.js";
import { startServerProcess } from "../support/process.js";

describe("team secrets", () => {
  it("never appear in logs, metrics or answers after the one that shows them", async () => {
    const server = await startServerProcess(mkdtempSync(path.join(tmpdir(), "refinery-secrets-")), { LOG_LEVEL: "debug" });
    try {
      const rest = restClient(server.url);
      const owner = await registerCustomer(rest, "Secretive Co");
      const password = "s3cret passphrase nobody logs";
      const invited = await rest.post("/v1/members", { email: "quiet@secret.example", role: "admin" }, { apiKey: owner.apiKey });
      const invitationToken: string = invited.body.invitation.token;
      expect(invitationToken).toMatch(/^inv_/);
      expect((await rest.post("/v1/invitations/accept", { token: invitationToken, password })).status).toBe(200);
      // A wrong attempt too: its body holds a password-like string.
      await rest.post("/v1/sessions", { email: "quiet@secret.example", password: `${password} typo` });
      const bearer = await rest.post("/v1/sessions", { email: "quiet@secret.example", password });
      const sessionToken: string = bearer.body.token;
      const cookie = await rest.post("/v1/sessions", { email: "quiet@secret.example", password, cookie: true });
      const cookieToken = cookie.headers.get("set-cookie")!.split(";")[0].split("=")[1];
      await rest.get("/v1/members", { apiKey: sessionToken });
      await rest.get("/v1/customers/me", { headers: { cookie: `refinery_session=${cookieToken}` } });
      await rest.post("/v1/members", { email: "second@secret.example", role: "viewer" }, { apiKey: sessionToken });

      const later = JSON.stringify([
        (await rest.get("/v1/members", { apiKey: owner.apiKey })).body,
        (await rest.get("/v1/audit-events?limit=100", { apiKey: owner.apiKey })).body,
      ]);
      const metrics = await fetch(`${server.url}/metrics`).then((res) => res.text());
      await new Promise((resolve) => setTimeout(resolve, 200)); // the logger writes in batches of at most 50 ms
      const logs = server.logs.join("");
      expect(logs.length).toBeGreaterThan(1000);
      for (const secret of [password, invitationToken, sessionToken, cookieToken, owner.apiKey]) {
        expect(logs.includes(secret), `log holds ${secret.slice(0, 6)}…`).toBe(false);
        expect(metrics.includes(secret), `metrics hold ${secret.slice(0, 6)}…`).toBe(false);
        expect(later.includes(secret), `a later answer holds ${secret.slice(0, 6)}…`).toBe(false);
      }
      expect(logs).toContain("/v1/sessions"); // the requests were logged, without their secrets
    } finally {
      server.child.kill("SIGTERM");
      await server.exited;
    }
  }, 120_000);
});
