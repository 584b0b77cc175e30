// GraphiQL in a real browser with every request off this server refused, as on
// a machine without internet: it loads, and a query, a mutation and a
// subscription run with the API key in the Headers tab.
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { CHROMIUM, launchChromium, offlineContext, screenshotDir } from "../support/browser.js";
import { startTestService, type TestService } from "../support/harness.js";
import { imageTask, registerCustomer } from "../support/fixtures.js";

const SCREENSHOTS = screenshotDir("graphiql");

let service: TestService;
let browser: Browser;
beforeAll(async () => {
  service = await startTestService();
  if (CHROMIUM) browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await service.close();
});

/** Replaces an editor's text (Monaco); insertText skips the editor's auto-closing of brackets. */
async function replaceEditorText(page: Page, editor: string, text: string) {
  await page.click(`${editor} .monaco-editor .view-lines`);
  await page.keyboard.press("ControlOrMeta+a");
  await page.keyboard.press("Delete");
  await page.keyboard.insertText(text);
}

/** The response pane's text, with Monaco's non-breaking spaces as spaces. */
async function responseText(page: Page): Promise<string> {
  const text = await page.locator(".graphiql-response .view-lines").textContent();
  return (text ?? "").replace(/\u00a0/g, " ");
}

/** Runs a named operation once GraphiQL has taken its name in (its tab shows it). */
async function run(page: Page, name: string, query: string) {
  await replaceEditorText(page, ".graphiql-query-editor", query);
  await page.locator(".graphiql-tab", { hasText: name }).waitFor();
  await page.click(".graphiql-execute-button");
}

describe.skipIf(!CHROMIUM)("GraphiQL at /graphql (needs Debian's chromium: apt-get install chromium)", () => {
  it("first load, before any key is entered: no error anywhere, and the Docs pane lists the schema", async () => {
    const { context, refused } = await offlineContext(browser, service.url);
    const page = await context.newPage();
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(`console error: ${message.text()}`);
    });
    page.on("response", (response) => {
      if (response.status() >= 400) problems.push(`${response.status()} ${response.url()}`);
    });
    await page.goto(`${service.url}/graphql`, { headers: { accept: "text/html" } } as never);
    await page.waitForSelector(".graphiql-query-editor .monaco-editor");
    await page.click("button[aria-label='Show Documentation Explorer']");
    await page.locator(".graphiql-doc-explorer").getByText("Query", { exact: true }).first().waitFor();
    await page.locator(".graphiql-doc-explorer").getByText("Mutation", { exact: true }).first().waitFor();
    await page.screenshot({ path: path.join(SCREENSHOTS, "first-load-docs.png"), fullPage: true });
    // The response pane holds nothing yet (no red error from a refused header).
    expect(await responseText(page)).toBe("");
    expect(problems).toEqual([]);
    expect(refused).toEqual([]);
    await context.close();
  });

  it("loads offline and runs a query, a mutation and a subscription with the key from the Headers tab", async () => {
    const customer = await registerCustomer(service.rest, "GraphiQL Co");
    const task = await service.rest.post("/v1/tasks", imageTask(), { apiKey: customer.apiKey });

    const { context, refused } = await offlineContext(browser, service.url);
    const page = await context.newPage();
    await page.goto(`${service.url}/graphql`, { headers: { accept: "text/html" } } as never);
    await page.waitForSelector(".graphiql-query-editor .monaco-editor");
    expect(await page.title()).toBe("ASG Refinery GraphiQL");
    // The default query says how to pass the key.
    await expect.poll(() => page.locator(".graphiql-query-editor .view-lines").textContent()).toMatch(/Authorization/);

    await page.click("button:has-text('Headers')");
    await replaceEditorText(page, ".graphiql-editor-tool .graphiql-editor:not(.hidden)", JSON.stringify({ Authorization: `Bearer ${customer.apiKey}` }));

    await run(page, "Me", "query Me { me { id name } }");
    await expect.poll(() => responseText(page)).toContain(customer.customerId);

    await run(page, "Submit", `mutation Submit { submitTask(input: { type: IMAGE_CLASSIFICATION, dataUrl: "https://example.com/g.jpg", labelSpec: { question: "Q?", options: ["a", "b"] } }) { ... on MutationSubmitTaskSuccess { data { id status } } } }`);
    await expect.poll(() => responseText(page)).toMatch(/"id": "tsk_/);
    await page.screenshot({ path: path.join(SCREENSHOTS, "mutation.png"), fullPage: true });

    // The subscription answers with the task's status now, then with the change made over REST.
    await run(page, "Follow", `subscription Follow { taskStatusChanged(taskId: "${task.body.task_id}") { id status } }`);
    await expect.poll(() => responseText(page)).toContain('"status": "PENDING"');
    expect((await service.rest.post(`/v1/tasks/${task.body.task_id}/cancel`, undefined, { apiKey: customer.apiKey })).status).toBe(200);
    await expect.poll(() => responseText(page)).toContain('"status": "CANCELED"');
    await page.screenshot({ path: path.join(SCREENSHOTS, "subscription.png"), fullPage: true });

    expect(refused).toEqual([]);
    await context.close();
  });
});
