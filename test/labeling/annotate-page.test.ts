// The annotator page in a real browser (Debian chromium driven by playwright-core).
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { CHROMIUM, launchChromium, screenshotDir } from "../support/browser.js";
import { startTestService, type TestService } from "../support/harness.js";
import { registerCustomer } from "../support/fixtures.js";
import { createAnnotator, makeLive } from "../support/annotators.js";


/** Screenshots of each state, for a person to look at. */
const SCREENSHOTS = screenshotDir("annotate");

/** Serves the image a bounding-box task shows (an SVG, so no binary fixture is needed). */
async function startImageServer() {
  const server = createServer((_req, res) => {
    res.writeHead(200, { "content-type": "image/svg+xml" });
    res.end('<svg xmlns="http://www.w3.org/2000/svg" width="200" height="150"><rect width="200" height="150" fill="#cde"/><circle cx="60" cy="50" r="30" fill="#e8590c"/></svg>');
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((resolve) => server.close(resolve)) };
}

let service: TestService;
let browser: Browser;
let images: Awaited<ReturnType<typeof startImageServer>>;
beforeAll(async () => {
  images = await startImageServer();
  service = await startTestService();
  if (CHROMIUM) {
    browser = await launchChromium();
  }
});
afterAll(async () => {
  await browser?.close();
  await service.close();
  await images.close();
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
      if (i === 0) await page.screenshot({ path: path.join(SCREENSHOTS, "text-task.png") });
      if (i === 0) {
        // A slip of the finger: the wrong option, undone within 5 s; nothing was sent.
        await page.keyboard.press(keyFor[text] === "1" ? "2" : "1");
        await page.waitForSelector("#undo:not([hidden])");
        await page.screenshot({ path: path.join(SCREENSHOTS, "undo.png") });
        await page.keyboard.press("u");
        await page.waitForSelector("#undo", { state: "hidden" });
        expect(await page.textContent("#text")).toBe(text);
      }
      await page.keyboard.press(keyFor[text]);
      await page.waitForSelector("#undo:not([hidden])");
      await page.keyboard.press("Enter");
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

  it("scores a rating's criteria and writes a text response, and the answers reach the customer API", async () => {
    const customer = await registerCustomer(service.rest);
    customer.apiKey = await makeLive(service.graphql, customer.customerId);
    const rated = await service.rest.post(
      "/v1/tasks",
      {
        type: "rating",
        data: "Q: What is the capital of France?\nA: Paris, on the Seine.",
        label_spec: { question: "Rate the answer", criteria: [{ name: "accuracy" }, { name: "clarity", description: "Easy to follow" }], scale: { min: 1, max: 5, labels: ["bad", "poor", "fair", "good", "great"] } },
        replication: 1,
        priority: 10,
      },
      { apiKey: customer.apiKey },
    );
    const written = await service.rest.post(
      "/v1/tasks",
      { type: "text_response", data: "Receipt: TOTAL DUE 42,00 EUR", label_spec: { question: "Transcribe the total line", max_length: 200 }, replication: 1, priority: 10 },
      { apiKey: customer.apiKey },
    );
    expect([rated.status, written.status]).toEqual([202, 202]);
    const annotator = await createAnnotator(service.graphql, "Rater");
    const page = await browser.newPage();
    await page.goto(`${service.url}/annotate`);
    await page.fill("#token", annotator.token);
    await page.click("button[type=submit]");

    await page.waitForSelector("#item:not([hidden]) .criterion");
    expect(await page.locator(".criterion").count()).toBe(2);
    // Enter before every criterion is scored is refused with a message, not sent.
    await page.keyboard.press("Enter");
    await expect.poll(() => page.textContent("#status")).toMatch(/Score every criterion/);
    await page.keyboard.press("5");
    await page.click(".criterion[data-row='1'] button:has-text('4 good')");
    await page.screenshot({ path: path.join(SCREENSHOTS, "rating-task.png") });
    await page.keyboard.press("Enter");
    await page.waitForSelector("#undo:not([hidden])");
    await page.keyboard.press("Enter");

    await page.waitForSelector("#item:not([hidden]) #response");
    await page.fill("#response", "TOTAL DUE 42,00 EUR");
    await page.screenshot({ path: path.join(SCREENSHOTS, "text-response.png") });
    await page.keyboard.press("Control+Enter");
    await page.waitForSelector("#undo:not([hidden])");
    await page.keyboard.press("Enter");
    await expect.poll(() => page.textContent("#status")).toMatch(/No tasks/);

    const rating = await service.rest.get(`/v1/tasks/${rated.body.task_id}/result`, { apiKey: customer.apiKey });
    expect(rating.body).toMatchObject({ status: "completed", result: { ratings: { accuracy: 5, clarity: 4 } }, aggregation: { method: "weighted_median" } });
    const text = await service.rest.get(`/v1/tasks/${written.body.task_id}/result`, { apiKey: customer.apiKey });
    expect(text.body).toMatchObject({ status: "completed", result: { text: "TOTAL DUE 42,00 EUR" }, aggregation: { method: "edit_distance_medoid" } });
    await page.close();
  });

  it("compares two responses, outlines a polygon and places keypoints, and the answers reach the customer API", async () => {
    const customer = await registerCustomer(service.rest);
    customer.apiKey = await makeLive(service.graphql, customer.customerId);
    const submit = async (body: Record<string, unknown>) => {
      const res = await service.rest.post("/v1/tasks", { replication: 1, ...body }, { apiKey: customer.apiKey });
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      return res.body.task_id as string;
    };
    const compared = await submit({
      type: "pairwise_preference",
      data: { prompt: "Explain a rainbow in one sentence.", responses: [{ id: "model-x", text: "Rain." }, { id: "model-y", text: "Sunlight is refracted, reflected and split into colours by raindrops." }] },
      label_spec: { question: "Which answer is more helpful?", strength_labels: ["slightly better", "much better"] },
      priority: 10,
    });
    const outlined = await submit({ type: "polygon", data_url: `${images.url}/cat.svg`, label_spec: { question: "Outline the cat", classes: ["cat", "dog"] }, priority: 9 });
    const posed = await submit({
      type: "keypoints",
      data_url: `${images.url}/cat.svg`,
      label_spec: { question: "Mark the points", keypoints: ["nose", "left_ear", "right_ear"], skeleton: [["nose", "right_ear"]] },
      priority: 8,
    });
    const annotator = await createAnnotator(service.graphql, "Comparer");
    const page = await browser.newPage();
    await page.goto(`${service.url}/annotate`);
    await page.fill("#token", annotator.token);
    await page.click("button[type=submit]");

    // The pair: both responses shown as A and B (not by model), a choice, a strength, a reason.
    await page.waitForSelector("#item:not([hidden]) .responses");
    expect(await page.textContent("#data")).toContain("Sunlight is refracted");
    expect(await page.textContent("#data")).not.toContain("model-y");
    await page.keyboard.press("Enter");
    await expect.poll(() => page.textContent("#status")).toMatch(/Pick the better response/);
    await page.keyboard.press("2");
    await page.keyboard.press("Enter");
    await expect.poll(() => page.textContent("#status")).toMatch(/how much better/);
    await page.keyboard.press("2");
    await page.fill("#reason", "B actually explains it");
    await page.screenshot({ path: path.join(SCREENSHOTS, "pairwise-preference.png") });
    await page.click("#submit");
    await page.waitForSelector("#undo:not([hidden])");
    await page.keyboard.press("Enter");

    // The polygon: three corners, then a click on the first closes it; Enter submits.
    const image = page.locator("#data .stage img");
    await image.waitFor();
    await page.waitForFunction(() => (document.querySelector("#data .stage img") as HTMLImageElement).naturalWidth > 0);
    let at = (await image.boundingBox())!;
    for (const [x, y] of [[30, 20], [100, 25], [60, 90], [99, 99]]) await page.mouse.click(at.x + x, at.y + y);
    await page.keyboard.press("Backspace"); // the stray fourth corner
    await page.mouse.click(at.x + 31, at.y + 21);
    expect(await page.locator("#data .overlay polygon").count()).toBe(1);
    await page.screenshot({ path: path.join(SCREENSHOTS, "polygon.png") });
    await page.keyboard.press("Enter");
    await page.waitForSelector("#undo:not([hidden])");
    await page.keyboard.press("Enter");

    // The keypoints: the nose, the left ear marked not visible (N), the right ear.
    await page.waitForSelector("#item:not([hidden]) #choices button:has-text('nose')");
    await page.waitForFunction(() => (document.querySelector("#data .stage img") as HTMLImageElement)?.naturalWidth > 0);
    at = (await page.locator("#data .stage img").boundingBox())!;
    await page.mouse.click(at.x + 60, at.y + 50);
    await page.keyboard.press("n");
    await page.mouse.click(at.x + 80, at.y + 30);
    expect(await page.locator("#data .overlay circle").count()).toBe(2);
    expect(await page.locator("#data .overlay line").count()).toBe(1);
    await page.screenshot({ path: path.join(SCREENSHOTS, "keypoints.png") });
    await page.keyboard.press("Enter");
    await page.waitForSelector("#undo:not([hidden])");
    await page.keyboard.press("Enter");
    await expect.poll(() => page.textContent("#status")).toMatch(/No tasks/);

    const result = async (taskId: string) => (await service.rest.get(`/v1/tasks/${taskId}/result`, { apiKey: customer.apiKey })).body;
    expect(await result(compared)).toMatchObject({ status: "completed", result: { choice: "b", strength: 2 }, aggregation: { method: "weighted_vote" } });
    expect((await result(compared)).aggregation.votes[0].answer.reason).toBe("B actually explains it");
    // Where the clicks were, in image pixels (within the half pixel the page's layout puts the image off the grid).
    const near = (value: number) => expect.closeTo(value, -0.5);
    expect(await result(outlined)).toMatchObject({
      status: "completed",
      result: { polygons: [{ label: "cat", points: [[near(30), near(20)], [near(100), near(25)], [near(60), near(90)]] }] },
      aggregation: { method: "mask_iou_clustering" },
    });
    expect(await result(posed)).toMatchObject({
      status: "completed",
      result: { instances: [{ keypoints: { nose: { x: near(60), y: near(50) }, right_ear: { x: near(80), y: near(30) } } }] },
      aggregation: { method: "oks_clustering" },
    });
    expect(Object.keys((await result(posed)).result.instances[0].keypoints)).toEqual(["nose", "right_ear"]);
    await page.close();
  });

  it("opens an invite link: the annotator joins the work team with a name, keeps its token, and labels the team's project", async () => {
    const customer = await registerCustomer(service.rest);
    customer.apiKey = await makeLive(service.graphql, customer.customerId);
    const as = { apiKey: customer.apiKey };
    const team = await service.rest.post("/v1/work-teams", { name: "Pet experts" }, as);
    const invite = await service.rest.post(`/v1/work-teams/${team.body.team_id}/invitations`, undefined, as);
    const project = await service.rest.post(
      "/v1/projects",
      { name: "Pets", type: "image_classification", label_spec: { question: "Cat or dog?", options: ["cat", "dog"] }, instructions: "A **kitten** is a cat.", work_team_id: team.body.team_id, replication: 1 },
      as,
    );
    const task = await service.rest.post("/v1/tasks", { project_id: project.body.project_id, data_url: `${images.url}/pet.svg`, priority: 10 }, as);
    expect([team.status, invite.status, project.status, task.status]).toEqual([201, 201, 201, 202]);

    const page = await browser.newPage();
    await page.goto(invite.body.url.replace(/^https?:\/\/[^/]+/, service.url));
    await page.waitForSelector("#join:not([hidden])");
    expect(await page.isHidden("#sign-in")).toBe(true);
    await page.fill("#join-name", "Grace");
    await page.screenshot({ path: path.join(SCREENSHOTS, "join-team.png") });
    await page.click("#join button[type=submit]");
    await page.waitForSelector("#item:not([hidden]) #choices button");
    expect(await page.textContent("#joined-team")).toBe("Pet experts");
    expect(await page.textContent("#joined-token")).toMatch(/^at_/);
    expect(await page.textContent("#instructions-body")).toContain("kitten");
    expect(page.url()).not.toContain("join=");
    await page.screenshot({ path: path.join(SCREENSHOTS, "team-task.png") });
    await page.keyboard.press("1");
    await page.waitForSelector("#undo:not([hidden])");
    await page.keyboard.press("Enter");
    await expect.poll(() => page.textContent("#status")).toMatch(/No tasks/);
    const result = await service.rest.get(`/v1/tasks/${task.body.task_id}/result`, as);
    expect(result.body).toMatchObject({ status: "completed", result: { label: "cat" } });
    // The page shows the annotator its own record.
    await expect.poll(() => page.textContent("#who")).toMatch(/Grace · 1 judgment$/);
    const members = (await service.rest.get(`/v1/work-teams/${team.body.team_id}`, as)).body.members;
    expect(members).toMatchObject([{ name: "Grace", status: "active", judgments: 1 }]);

    // The link again: used, said so.
    const again = await browser.newPage();
    await again.goto(invite.body.url.replace(/^https?:\/\/[^/]+/, service.url));
    await again.fill("#join-name", "Mallory");
    await again.click("#join button[type=submit]");
    await expect.poll(() => again.textContent("#join-error")).toMatch(/used already or has expired/);
    await page.close();
    await again.close();
  });

  it("tells the annotator when the items decide its qualification, then goes on to the project's tasks", async () => {
    const customer = await registerCustomer(service.rest);
    customer.apiKey = await makeLive(service.graphql, customer.customerId);
    const as = { apiKey: customer.apiKey };
    const project = await service.rest.post(
      "/v1/projects",
      {
        name: "Qualified pets",
        type: "image_classification",
        label_spec: { question: "Cat or dog?", options: ["cat", "dog"] },
        instructions: "Whiskers mean **cat**.",
        examples: [{ data_url: `${images.url}/example.svg`, answer: { label: "cat" }, explanation: "whiskers" }],
        qualification: { gold_items: 1, pass_mark: 1 },
      },
      as,
    );
    await service.rest.post("/v1/tasks", { project_id: project.body.project_id, data_url: `${images.url}/gold.svg`, gold_answer: { label: "cat" }, replication: 1 }, as);
    const regular = await service.rest.post("/v1/tasks", { project_id: project.body.project_id, data_url: `${images.url}/next.svg`, replication: 1, priority: 10 }, as);
    const annotator = await createAnnotator(service.graphql, "Qualifier");
    const page = await browser.newPage();
    await page.goto(`${service.url}/annotate`);
    await page.fill("#token", annotator.token);
    await page.click("button[type=submit]");
    await expect.poll(() => page.textContent("#status")).toMatch(/^Qualification for Qualified pets: your answers to these first items decide/);
    expect(await page.textContent("#instructions-body")).toContain("Whiskers");
    expect(await page.textContent("#examples")).toContain("whiskers");
    await page.screenshot({ path: path.join(SCREENSHOTS, "qualification.png") });
    await page.keyboard.press("1");
    await page.waitForSelector("#undo:not([hidden])");
    await page.keyboard.press("Enter");
    await expect.poll(() => page.textContent("#status")).toBe(`Task ${regular.body.task_id}`);
    await page.close();
  });

  it("asks again before an empty answer, lets a drawn box be deleted and moved, and fits a 360 px screen", async () => {
    const customer = await registerCustomer(service.rest);
    customer.apiKey = await makeLive(service.graphql, customer.customerId);
    const entities = await service.rest.post(
      "/v1/tasks",
      { type: "named_entity", data: "Ada Lovelace met Babbage", label_spec: { question: "Mark people", entity_types: ["PERSON"] }, replication: 1, priority: 10 },
      { apiKey: customer.apiKey },
    );
    const boxes = await service.rest.post(
      "/v1/tasks",
      { type: "bounding_box", data_url: `${images.url}/cat.svg`, label_spec: { question: "Box the cats", classes: ["cat"] }, replication: 1, priority: 1 },
      { apiKey: customer.apiKey },
    );
    const annotator = await createAnnotator(service.graphql, "Careful Tester");
    const page = await browser.newPage({ viewport: { width: 360, height: 740 } });
    await page.goto(`${service.url}/annotate`);
    // The sign-in card holds its field at 360 px.
    const form = (await page.locator("#sign-in").boundingBox())!;
    const field = (await page.locator("#token").boundingBox())!;
    expect(field.x + field.width).toBeLessThanOrEqual(form.x + form.width);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await page.screenshot({ path: path.join(SCREENSHOTS, "sign-in-360.png") });
    await page.fill("#token", annotator.token);
    await page.click("button[type=submit]");

    // Enter with nothing marked only asks; the entity marked then is the answer.
    await page.waitForSelector("#item:not([hidden]) #text");
    await page.keyboard.press("Enter");
    await expect.poll(() => page.textContent("#status")).toMatch(/Nothing is marked/);
    expect(await page.isHidden("#undo")).toBe(true);
    await page.evaluate(() => {
      const text = document.getElementById("text")!.firstChild!;
      const range = document.createRange();
      range.setStart(text, 0);
      range.setEnd(text, "Ada Lovelace".length);
      window.getSelection()!.removeAllRanges();
      window.getSelection()!.addRange(range);
    });
    await page.keyboard.press("1");
    await page.keyboard.press("Enter");
    await page.waitForSelector("#undo:not([hidden])");
    await page.keyboard.press("Enter");

    // Two boxes drawn; the second deleted; the first moved 20 px right.
    const image = page.locator("#data .stage img");
    await image.waitFor();
    await page.waitForFunction(() => (document.querySelector("#data .stage img") as HTMLImageElement).naturalWidth > 0);
    const at = (await image.boundingBox())!;
    const drag = async (from: [number, number], to: [number, number]) => {
      await page.mouse.move(at.x + from[0], at.y + from[1]);
      await page.mouse.down();
      await page.mouse.move(at.x + to[0], at.y + to[1], { steps: 4 });
      await page.mouse.up();
    };
    await drag([10, 10], [60, 50]);
    await drag([100, 100], [150, 140]);
    expect(await page.locator("#data .box").count()).toBe(2);
    await page.mouse.click(at.x + 120, at.y + 120);
    await page.keyboard.press("Delete");
    expect(await page.locator("#data .box").count()).toBe(1);
    await drag([30, 30], [50, 30]);
    await page.screenshot({ path: path.join(SCREENSHOTS, "boxes-360.png") });
    await page.keyboard.press("Enter");
    await page.waitForSelector("#undo:not([hidden])");
    await page.keyboard.press("Enter");
    await expect.poll(() => page.textContent("#status")).toMatch(/No tasks/);

    const entityResult = await service.rest.get(`/v1/tasks/${entities.body.task_id}/result`, { apiKey: customer.apiKey });
    expect(entityResult.body.result).toEqual({ entities: [{ start: 0, end: 12, label: "PERSON" }] });
    const boxResult = await service.rest.get(`/v1/tasks/${boxes.body.task_id}/result`, { apiKey: customer.apiKey });
    // The image is shown at its natural size (200×150 fits 360 px): screen pixels are image pixels,
    // give or take the rounding of a fractional page position.
    const [box] = boxResult.body.result.boxes;
    expect(boxResult.body.result.boxes).toHaveLength(1);
    expect(box.label).toBe("cat");
    for (const [key, value] of Object.entries({ x: 30, y: 10, w: 50, h: 40 })) expect(Math.abs(box[key] - value), key).toBeLessThanOrEqual(1);
    await page.close();
  });
});
