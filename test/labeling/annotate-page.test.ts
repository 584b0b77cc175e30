// The annotator page in a real browser (Debian chromium driven by playwright-core).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { CHROMIUM, launchChromium } from "../support/browser.js";
import { startTestService, type TestService } from "../support/harness.js";
import { registerCustomer } from "../support/fixtures.js";
import { createAnnotator, makeLive } from "../support/annotators.js";


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

describe.skipIf(!CHROMIUM)("the /annotate page (needs Debian's chromium: apt-get install chromium)", () => {
  it("signs in, labels three tasks by keyboard, and the results reach the customer API", async () => {
    const customer = await registerCustomer(service.rest);
    customer.apiKey = await makeLive(service.graphql, customer.customerId);
    const texts = ["I love it", "Terrible service", "Best purchase ever"];
    const taskIds: string[] = [];
    for (const text of texts) {
      const res = await service.rest.post(
        "/v1/tasks",
        { type: "text_classification", data: text, label_spec: { question: "Sentiment?", options: ["positive", "negative"] }, replication: 1 },
        { apiKey: customer.apiKey },
      );
      taskIds.push(res.body.task_id);
    }
    const annotator = await createAnnotator(service.graphql, "Page Tester");

    const page = await browser.newPage();
    await page.goto(`${service.url}/annotate`);
    await page.fill("#token", "at_not_a_real_token_xxxxxxxxxxxxxxxxx");
    await page.click("button[type=submit]");
    await expect.poll(() => page.textContent("#sign-in-error")).toMatch(/not accepted/);

    await page.fill("#token", annotator.token);
    await page.click("button[type=submit]");
    const keyFor: Record<string, string> = { "I love it": "1", "Terrible service": "2", "Best purchase ever": "1" };
    for (let i = 0; i < 3; i++) {
      await page.waitForSelector("#item:not([hidden]) #text");
      const text = (await page.textContent("#text"))!;
      expect(await page.textContent("#question")).toBe("Sentiment?");
      if (i === 0) await page.screenshot({ path: "/tmp/annotate-page.png" });
      await page.keyboard.press(keyFor[text]);
      await page.waitForFunction((previous) => document.getElementById("text")?.textContent !== previous || !document.getElementById("item") || document.getElementById("item")!.hidden, text);
    }
    await expect.poll(() => page.textContent("#status")).toMatch(/No tasks/);

    const expected = ["positive", "negative", "positive"];
    for (const [i, taskId] of taskIds.entries()) {
      const res = await service.rest.get(`/v1/tasks/${taskId}/result`, { apiKey: customer.apiKey });
      expect(res.status).toBe(200);
      expect(res.body.result).toEqual({ label: expected[i] });
      expect(res.body.aggregation.votes[0].annotator_id).toBe(annotator.id);
    }
    await page.close();
  });
});
