import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig, ConfigError } from "../../src/config.js";

const tmp = () => mkdtempSync(path.join(tmpdir(), "refinery-config-"));

describe("config", () => {
  it("has defaults that need no setup", () => {
    const config = loadConfig({ DATA_DIR: tmp() });
    expect(config.port).toBe(8081);
    expect(config.databaseUrl).toBeUndefined();
    expect(config.logLevel).toBe("info");
  });

  it("generates a server secret once and keeps it in DATA_DIR", () => {
    const dataDir = tmp();
    const first = loadConfig({ DATA_DIR: dataDir }).serverSecret;
    expect(first.length).toBeGreaterThanOrEqual(40);
    expect(loadConfig({ DATA_DIR: dataDir }).serverSecret).toBe(first);
    const file = path.join(dataDir, "server-secret");
    expect(readFileSync(file, "utf8").trim()).toBe(first);
    expect(statSync(file).mode & 0o077).toBe(0);
  });

  it("refuses WORKERS, which ROLE replaced, instead of ignoring it", () => {
    expect(() => loadConfig({ DATA_DIR: tmp(), WORKERS: "off" })).toThrow(/WORKERS: was replaced by ROLE \(WORKERS=off → ROLE=api/);
    expect(loadConfig({ DATA_DIR: tmp(), ROLE: "worker" }).role).toBe("worker");
  });

  it("explains every invalid value on one line", () => {
    const attempt = () => loadConfig({ DATA_DIR: tmp(), PORT: "http", DATABASE_URL: "mysql://x", LOG_LEVEL: "loud", SANDBOX_CROWD: "0.9,0.8" });
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (error) {
      const message = (error as Error).message;
      expect(message).not.toContain("\n");
      expect(message).toMatch(/PORT/);
      expect(message).toMatch(/DATABASE_URL: must be a postgresql:\/\/ URL/);
      expect(message).toMatch(/LOG_LEVEL/);
      expect(message).toMatch(/SANDBOX_CROWD: at least 7 accuracies/);
    }
  });
});
