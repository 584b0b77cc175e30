// The customer console in a real browser (Debian chromium, playwright-core):
// sign-in, numbers that match the API, the task table, a batch's live progress.
import { existsSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { CHROMIUM, launchChromium, screenshotDir } from "../support/browser.js";
import { startTestService, type TestService } from "../support/harness.js";
import { imageTask, registerCustomer } from "../support/fixtures.js";
import { createAnnotator, makeLive, NEXT, SUBMIT } from "../support/annotators.js";

/** Screenshots of each page, for a person to look at. */
const SCREENSHOTS = screenshotDir("console");

let service: TestService;
let browser: Browser;
beforeAll(async () => {
  service = await startTestService();
  if (CHROMIUM) {
    browser = await launchChromium();
  }
});
afterAll(async () => {
  await browser?.close();
  await service.close();
});

async function judgeNext(token: string) {
  const next = await service.graphql(NEXT, {}, { apiKey: token });
  const judged = await service.graphql(SUBMIT, { id: next.data.nextAssignment.id, answer: { label: "a" } }, { apiKey: token });
  expect(judged.data.submitJudgment.data.taskStatus).toBe("COMPLETED");
}

async function openPage(page: Page, name: string) {
  await page.click(`nav a[href="#${name}"]`);
  await page.waitForSelector(`#${name}:not([hidden])`);
}

describe.skipIf(!CHROMIUM)("the /console page (needs Debian's chromium: apt-get install chromium)", () => {
  it("signs in, shows the account's numbers as the API does, filters tasks, and follows a batch live", async () => {
    const customer = await registerCustomer(service.rest, "Console Co");
    customer.apiKey = await makeLive(service.graphql, customer.customerId);
    const annotator = await createAnnotator(service.graphql, "console-annotator");
    const batch = await service.rest.post("/v1/tasks/batch", { tasks: Array.from({ length: 6 }, () => imageTask({ replication: 1 })) }, { apiKey: customer.apiKey });
    for (let i = 0; i < 2; i++) await judgeNext(annotator.token);
    await service.rest.post("/v1/webhooks", { callback_url: "https://hooks.example.com/refinery", events: ["task.completed"] }, { apiKey: customer.apiKey });

    const page = await browser.newPage();
    await page.goto(`${service.url}/console`);
    await page.click("#toggle-key");
    await page.fill("#api-key", "sk_sandbox_not_a_real_key_xxxxxxxxxxxxxxxx");
    await page.click("#sign-in button[type=submit]");
    await expect.poll(() => page.textContent("#sign-in-error")).toMatch(/not accepted/);
    await page.fill("#api-key", customer.apiKey);
    await page.click("#sign-in button[type=submit]");

    // Overview: the numbers of GET /v1/dashboard/overview.
    await page.waitForSelector("#overview:not([hidden]) [data-card=spend] b");
    const overview = (await service.rest.get("/v1/dashboard/overview", { apiKey: customer.apiKey })).body;
    expect(await page.textContent("[data-card=spend] b")).toBe(`$${(overview.spend_this_month / 100).toFixed(2)}`);
    expect(await page.textContent("[data-status=completed] td:last-child")).toBe(String(overview.counts.completed));
    expect(await page.textContent("[data-status=pending] td:last-child")).toBe(String(overview.counts.pending));
    expect(page.url()).not.toContain(customer.apiKey);
    await page.screenshot({ path: path.join(SCREENSHOTS, "overview.png"), fullPage: true });

    await openPage(page, "usage");
    await expect.poll(() => page.textContent("#usage-total")).toMatch(/6 submitted, 2 completed/);
    await page.screenshot({ path: path.join(SCREENSHOTS, "usage.png"), fullPage: true });

    await openPage(page, "quality");
    await page.waitForSelector("[data-type=image_classification]");
    await page.screenshot({ path: path.join(SCREENSHOTS, "quality.png"), fullPage: true });

    // Tasks: the filter shows exactly the completed ones; a click shows the votes.
    await openPage(page, "tasks");
    await page.waitForSelector("[data-task]");
    expect(await page.locator("[data-task]").count()).toBe(6);
    await page.selectOption("#task-status", "completed");
    await expect.poll(() => page.locator("[data-task]").count()).toBe(2);
    await page.locator("[data-task] a").first().click();
    await page.waitForSelector("#task-detail:not([hidden]) #detail-votes tr");
    expect(await page.textContent("#detail-votes")).toContain(annotator.id);
    await page.screenshot({ path: path.join(SCREENSHOTS, "tasks.png"), fullPage: true });

    // A batch's progress moves while annotators work.
    await openPage(page, "progress");
    await page.fill("#batch-id", batch.body.batch_id);
    await page.click("#watch-batch button[type=submit]");
    await expect.poll(() => page.textContent("#batch-counts")).toMatch(/^2 of 6 done/);
    await judgeNext(annotator.token);
    await expect.poll(() => page.textContent("#batch-counts"), { timeout: 10_000 }).toMatch(/^3 of 6 done/);
    await page.screenshot({ path: path.join(SCREENSHOTS, "progress.png"), fullPage: true });

    await openPage(page, "webhooks");
    await page.waitForSelector("[data-webhook]");
    expect(await page.textContent("[data-webhook]")).toContain("https://hooks.example.com/refinery");
    await page.screenshot({ path: path.join(SCREENSHOTS, "webhooks.png"), fullPage: true });

    // The audit log: the live key's changes (the webhook above), filterable by action.
    await openPage(page, "audit");
    await page.waitForSelector("[data-audit]");
    expect(await page.textContent("#audit-rows")).toContain("webhook.created");
    await page.selectOption("#audit-action", "task.canceled");
    await expect.poll(() => page.locator("[data-audit]").count()).toBe(0);
    await page.selectOption("#audit-action", "webhook.created");
    await expect.poll(() => page.locator("[data-audit]").count()).toBe(1);
    await page.screenshot({ path: path.join(SCREENSHOTS, "audit.png"), fullPage: true });

    // A full key may manage keys and webhooks: the buttons are there.
    await openPage(page, "keys");
    await page.waitForSelector("[data-key]");
    expect(await page.isVisible("#create-key")).toBe(true);
    expect(await page.locator("[data-key] a", { hasText: "Revoke" }).count()).toBeGreaterThan(0);

    for (const name of ["overview", "usage", "quality", "tasks", "progress", "webhooks", "audit"]) expect(existsSync(path.join(SCREENSHOTS, `${name}.png`))).toBe(true);
    expect(await page.textContent("#error")).toBe("");
    await page.close();
  });

  it("a viewer joins from the invitation link, signs in with email and password, sees no key or webhook buttons, and reads the audit log", async () => {
    const customer = await registerCustomer(service.rest, "Team Console Co");
    await service.rest.post("/v1/webhooks", { callback_url: "https://hooks.example.com/team-console" }, { apiKey: customer.apiKey });
    const invited = await service.rest.post("/v1/members", { email: "viewer@console.example", role: "viewer" }, { apiKey: customer.apiKey });
    const page = await browser.newPage();
    // The link as the API answered it, on this server.
    await page.goto(invited.body.invitation.url);
    await page.fill("#new-password", "a viewer's long passphrase");
    await page.click("#accept button[type=submit]");
    await expect.poll(() => page.inputValue("#email")).toBe("viewer@console.example");
    await page.fill("#password", "a viewer's long passphrase");
    await page.screenshot({ path: path.join(SCREENSHOTS, "sign-in.png"), fullPage: true });
    await page.click("#sign-in button[type=submit]");
    await page.waitForSelector("#overview:not([hidden]) [data-card=spend] b");
    expect(await page.textContent("#who")).toContain("viewer@console.example, viewer");
    // The session is an HTTP-only cookie: the page's script cannot read it, and nothing is in storage.
    expect(await page.evaluate(() => document.cookie)).toBe("");
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);

    await openPage(page, "webhooks");
    await page.waitForSelector("[data-webhook]");
    expect(await page.isVisible("#add-webhook")).toBe(false);
    expect(await page.locator("[data-webhook] a", { hasText: "Delete" }).count()).toBe(0);
    await openPage(page, "keys");
    await page.waitForSelector("[data-key]");
    expect(await page.isVisible("#create-key")).toBe(false);
    expect(await page.locator("[data-key] a", { hasText: "Revoke" }).count()).toBe(0);
    await openPage(page, "members");
    expect(await page.isVisible("#invite")).toBe(false);
    await page.screenshot({ path: path.join(SCREENSHOTS, "viewer-keys.png"), fullPage: true });

    await openPage(page, "audit");
    await page.waitForSelector("[data-audit]");
    const audit = await page.textContent("#audit-rows");
    expect(audit).toContain("member.joined");
    expect(audit).toContain("webhook.created");
    await page.screenshot({ path: path.join(SCREENSHOTS, "viewer-audit.png"), fullPage: true });

    await page.click("#sign-out");
    await page.waitForSelector("#sign-in:not([hidden])");
    expect(await page.textContent("#error")).toBe("");
    await page.close();
  });
});
