// Exports as a customer uses them: ask for a subset in a format, wait for it
// to be built, download it, and read it with a reader nobody here wrote
// (papaparse for CSV, yauzl for zips, fast-xml-parser for VOC, ajv against
// COCO's published layout) — counts and labels match the API's results.
// Also: streamed exports, filters, what a format cannot hold, tenant
// isolation, and a build taken over after its builder died.
import { Ajv } from "ajv";
import { XMLParser } from "fast-xml-parser";
import Papa from "papaparse";
import yauzl from "yauzl";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { imageTask, registerCustomer, type Customer } from "../support/fixtures.js";
import { startTestService, type TestService } from "../support/harness.js";

let service: TestService;
let customer: Customer;
const batches: Record<"boxes" | "entities" | "classes" | "shapes", string> = { boxes: "", entities: "", classes: "", shapes: "" };
const SIZE = { width: 1280, height: 720 };
const BOX_CLASSES = ["car", "person", "bicycle"];
const SHAPE_CLASSES = ["road", "building"];
const POSE_SPEC = { question: "Mark the pose", category: "person", keypoints: ["nose", "left_wrist", "right_wrist", "left_ankle"], skeleton: [["nose", "left_wrist"], ["nose", "right_wrist"]] };

beforeAll(async () => {
  // ROLE all: the sandbox crowd labels, the export builder builds.
  service = await startTestService({ env: { ROLE: "all" } });
  customer = await registerCustomer(service.rest, "Exporting Co");
  await service.deps.prisma.customer.update({ where: { id: customer.customerId }, data: { sandboxLabelQuota: 100_000 } });
  const submit = async (tasks: unknown[]) => {
    const res = await service.rest.post("/v1/tasks/batch", { tasks }, { apiKey: customer.apiKey });
    expect(res.status, res.text).toBe(202);
    return res.body.batch_id as string;
  };
  const boxSpec = { question: "Mark every vehicle and person", classes: BOX_CLASSES };
  batches.boxes = await submit([
    ...Array.from({ length: 30 }, (_, i) => ({ type: "bounding_box", data_url: `https://img.example.com/street-${i}.jpg`, label_spec: boxSpec, metadata: SIZE })),
    // No size: a box format cannot place these.
    ...Array.from({ length: 2 }, (_, i) => ({ type: "bounding_box", data_url: `https://img.example.com/unsized-${i}.jpg`, label_spec: boxSpec })),
  ]);
  const names = ["Alice", "Bob", "Carol", "Dave", "Erin"];
  batches.entities = await submit(
    Array.from({ length: 20 }, (_, i) => ({
      type: "named_entity",
      data: `${names[i % 5]} met ${names[(i + 1) % 5]} in Paris, then flew to Oslo on day ${i}.`,
      label_spec: { question: "Mark people and places", entity_types: ["PER", "LOC"] },
    })),
  );
  batches.shapes = await submit([
    ...Array.from({ length: 10 }, (_, i) => ({ type: "polygon", data_url: `https://img.example.com/outline-${i}.jpg`, label_spec: { question: "Outline", classes: SHAPE_CLASSES }, metadata: SIZE })),
    ...Array.from({ length: 10 }, (_, i) => ({ type: "keypoints", data_url: `https://img.example.com/pose-${i}.jpg`, label_spec: POSE_SPEC, metadata: SIZE })),
  ]);
  batches.classes = await submit(Array.from({ length: 20 }, (_, i) => imageTask({ data_url: `https://img.example.com/c-${i}.jpg`, metadata: { i } })));
  for (const batchId of Object.values(batches)) {
    const deadline = Date.now() + 60_000;
    while ((await service.rest.get(`/v1/batches/${batchId}`, { apiKey: customer.apiKey })).body.status !== "completed") {
      if (Date.now() > deadline) throw new Error(`batch ${batchId} did not complete`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}, 120_000);
afterAll(() => service?.close());

async function results(batchId: string) {
  const tasks = await service.deps.prisma.task.findMany({ where: { batchId }, orderBy: { id: "asc" } });
  return new Map(tasks.map((task) => [task.id, task]));
}

/** POST /v1/exports, waits until built, downloads: the export and the file's bytes. */
async function exported(format: string, filter: Record<string, unknown>, apiKey = customer.apiKey) {
  const created = await service.rest.post("/v1/exports", { format, filter }, { apiKey });
  expect(created.status, created.text).toBe(202);
  expect(created.body).toMatchObject({ status: "queued", format, download_url: null });
  let current: any;
  await expect
    .poll(async () => (current = (await service.rest.get(`/v1/exports/${created.body.export_id}`, { apiKey })).body).status, { timeout: 60_000, interval: 100 })
    .toBe("completed");
  const download = await fetch(service.url + current.download_url, { headers: { authorization: `Bearer ${apiKey}` } });
  expect(download.status).toBe(200);
  const bytes = Buffer.from(await download.arrayBuffer());
  expect(bytes.length).toBe(current.bytes);
  expect(download.headers.get("content-disposition")).toContain(`${created.body.export_id}.`);
  return { export: current, bytes, contentType: download.headers.get("content-type") };
}

function unzip(bytes: Buffer): Promise<Map<string, string>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(bytes, { lazyEntries: true }, (error, zip) => {
      if (error) return reject(error);
      const files = new Map<string, string>();
      zip.on("entry", (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError) return reject(streamError);
          const parts: Buffer[] = [];
          stream.on("data", (part: Buffer) => parts.push(part));
          stream.on("end", () => {
            files.set(entry.fileName, Buffer.concat(parts).toString("utf8"));
            zip.readEntry();
          });
        });
      });
      zip.on("end", () => resolve(files));
      zip.on("error", reject);
      zip.readEntry();
    });
  });
}

type Box = { x: number; y: number; w: number; h: number; label: string };
const boxesOf = (task: { result: unknown }) => (task.result as { boxes: Box[] }).boxes;

// COCO's published data format (cocodataset.org/#format-data), object detection.
const COCO_SCHEMA = {
  type: "object",
  required: ["images", "annotations", "categories"],
  properties: {
    info: { type: "object" },
    images: { type: "array", items: { type: "object", required: ["id", "width", "height", "file_name"], properties: { id: { type: "integer" }, width: { type: "integer", minimum: 1 }, height: { type: "integer", minimum: 1 }, file_name: { type: "string" }, coco_url: { type: "string" } } } },
    annotations: {
      type: "array",
      items: {
        type: "object",
        required: ["id", "image_id", "category_id", "bbox", "area", "iscrowd"],
        properties: {
          id: { type: "integer" },
          image_id: { type: "integer" },
          category_id: { type: "integer" },
          bbox: { type: "array", items: { type: "number" }, minItems: 4, maxItems: 4 },
          area: { type: "number" },
          iscrowd: { enum: [0, 1] },
          // Polygons: a list of [x1, y1, x2, y2, …] (at least 3 points).
          segmentation: { oneOf: [{ type: "object" }, { type: "array", items: { type: "array", items: { type: "number" }, minItems: 6 } }] },
          // Keypoint detection: [x, y, v] per keypoint of the category, v ∈ {0, 1, 2}.
          keypoints: { type: "array", items: { type: "number" } },
          num_keypoints: { type: "integer", minimum: 0 },
        },
      },
    },
    categories: {
      type: "array",
      items: {
        type: "object",
        required: ["id", "name"],
        properties: {
          id: { type: "integer" },
          name: { type: "string" },
          supercategory: { type: "string" },
          keypoints: { type: "array", items: { type: "string" } },
          skeleton: { type: "array", items: { type: "array", items: { type: "integer", minimum: 1 }, minItems: 2, maxItems: 2 } },
        },
      },
    },
  },
};

describe("exports", () => {
  it("JSONL: every task with its result, confidence and judgments", async () => {
    const { bytes, export: done } = await exported("jsonl", { batch_id: batches.classes });
    const lines = bytes.toString("utf8").trimEnd().split("\n").map((line) => JSON.parse(line));
    const tasks = await results(batches.classes);
    expect(lines).toHaveLength(20);
    expect(done).toMatchObject({ task_count: 20, skipped: {}, filter: { batch_id: batches.classes } });
    for (const line of lines) {
      const task = tasks.get(line.task_id)!;
      expect(line).toMatchObject({ status: "completed", result: task.result, confidence: task.confidence, batch_id: batches.classes });
      expect(line.judgments).toHaveLength(task.judgmentCount);
      expect(line.judgments[0]).toEqual({ annotator_id: expect.stringMatching(/^ann_/), answer: expect.any(Object), created_at: expect.any(String) });
    }
  });

  it("CSV: a header and one row per task, read back by papaparse; the streamed export is the same file", async () => {
    const { bytes, contentType } = await exported("csv", { batch_id: batches.classes });
    expect(contentType).toMatch(/^text\/csv/);
    const parsed = Papa.parse<Record<string, string>>(bytes.toString("utf8"), { header: true, skipEmptyLines: true });
    expect(parsed.errors).toEqual([]);
    const tasks = await results(batches.classes);
    expect(parsed.data).toHaveLength(20);
    for (const row of parsed.data) {
      const task = tasks.get(row.task_id)!;
      expect(row.label).toBe((task.result as { label: string }).label);
      expect(Number(row.confidence)).toBeCloseTo(task.confidence!, 10);
      expect(JSON.parse(row.result)).toEqual(task.result);
      expect(JSON.parse(row.metadata)).toEqual(task.metadata);
    }
    const streamed = await fetch(`${service.url}/v1/tasks/export?format=csv&batch_id=${batches.classes}`, { headers: { authorization: `Bearer ${customer.apiKey}` } });
    expect(streamed.status).toBe(200);
    expect(await streamed.text()).toBe(bytes.toString("utf8"));
  });

  it("COCO: images by URL with their sizes, one annotation per aggregated box, categories from the spec; valid against the format", async () => {
    const { bytes, export: done } = await exported("coco", { batch_id: batches.boxes });
    const coco = JSON.parse(bytes.toString("utf8"));
    const validate = new Ajv({ strict: false }).compile(COCO_SCHEMA);
    expect(validate(coco), JSON.stringify(validate.errors)).toBe(true);
    expect(done).toMatchObject({ task_count: 30, skipped: { "no image size (metadata width and height)": 2 } });
    const tasks = [...(await results(batches.boxes)).values()].filter((task) => task.metadata);
    expect(coco.images).toHaveLength(30);
    expect(coco.categories.map((c: { name: string }) => c.name)).toEqual(BOX_CLASSES);
    const categoryName = new Map(coco.categories.map((c: { id: number; name: string }) => [c.id, c.name]));
    expect(new Set(coco.annotations.map((a: { id: number }) => a.id)).size).toBe(coco.annotations.length);
    for (const task of tasks) {
      const image = coco.images.find((i: { task_id: string }) => i.task_id === task.id);
      expect(image).toMatchObject({ coco_url: task.dataUrl, ...SIZE });
      const annotations = coco.annotations.filter((a: { image_id: number }) => a.image_id === image.id);
      expect(annotations.map((a: { bbox: number[]; category_id: number }) => ({ bbox: a.bbox, label: categoryName.get(a.category_id) }))).toEqual(
        boxesOf(task).map((box) => ({ bbox: [box.x, box.y, box.w, box.h], label: box.label })),
      );
    }
  });

  it("COCO: outlines as segmentations and skeletons as keypoint detections, in the category's keypoint order; valid against the format", async () => {
    const { bytes, export: done } = await exported("coco", { batch_id: batches.shapes });
    const coco = JSON.parse(bytes.toString("utf8"));
    const validate = new Ajv({ strict: false }).compile(COCO_SCHEMA);
    expect(validate(coco), JSON.stringify(validate.errors)).toBe(true);
    expect(done).toMatchObject({ task_count: 20, skipped: {} });
    expect(coco.images).toHaveLength(20);
    const pose = coco.categories.find((c: { name: string }) => c.name === "person");
    expect(pose).toMatchObject({ keypoints: POSE_SPEC.keypoints, skeleton: [[1, 2], [1, 3]] });
    expect(coco.categories.map((c: { name: string }) => c.name).sort()).toEqual([...SHAPE_CLASSES, "person"].sort());
    const categoryName = new Map(coco.categories.map((c: { id: number; name: string }) => [c.id, c.name]));
    for (const task of (await results(batches.shapes)).values()) {
      const image = coco.images.find((i: { task_id: string }) => i.task_id === task.id);
      const annotations = coco.annotations.filter((a: { image_id: number }) => a.image_id === image.id);
      if (task.type === "polygon") {
        const polygons = (task.result as { polygons: { label: string; points: [number, number][] }[] }).polygons;
        expect(annotations.map((a: { segmentation: number[][]; category_id: number }) => ({ points: a.segmentation[0], label: categoryName.get(a.category_id) }))).toEqual(
          polygons.map((p) => ({ points: p.points.flat(), label: p.label })),
        );
        for (const a of annotations) {
          const xs = a.segmentation[0].filter((_: number, i: number) => i % 2 === 0);
          expect(a.bbox[0]).toBe(Math.min(...xs));
          expect(a.area).toBeGreaterThan(0);
          expect(a.area).toBeLessThanOrEqual(a.bbox[2] * a.bbox[3]);
        }
      } else {
        const instances = (task.result as { instances: { keypoints: Record<string, { x: number; y: number }> }[] }).instances;
        expect(annotations).toHaveLength(instances.length);
        annotations.forEach((a: { keypoints: number[]; num_keypoints: number; category_id: number }, n: number) => {
          expect(a.category_id).toBe(pose.id);
          expect(a.keypoints).toHaveLength(3 * POSE_SPEC.keypoints.length);
          POSE_SPEC.keypoints.forEach((name, k) => {
            const placed = instances[n].keypoints[name];
            expect(a.keypoints.slice(3 * k, 3 * k + 3)).toEqual(placed ? [placed.x, placed.y, 2] : [0, 0, 0]);
          });
          expect(a.num_keypoints).toBe(Object.keys(instances[n].keypoints).length);
        });
      }
    }
  });

  it("YOLO: a zip of label files normalized to the image size, with the classes by index", async () => {
    const { bytes } = await exported("yolo", { batch_id: batches.boxes });
    const files = await unzip(bytes);
    const classes = files.get("classes.txt")!.trimEnd().split("\n");
    expect(classes).toEqual(BOX_CLASSES);
    expect(files.get("data.yaml")).toContain(`nc: ${BOX_CLASSES.length}`);
    const tasks = [...(await results(batches.boxes)).values()].filter((task) => task.metadata);
    expect([...files.keys()].filter((name) => name.startsWith("labels/"))).toHaveLength(30);
    expect(files.get("images.txt")!.trimEnd().split("\n")).toEqual(tasks.map((task) => `${task.id} ${task.dataUrl}`));
    for (const task of tasks) {
      const lines = files.get(`labels/${task.id}.txt`)!.trimEnd().split("\n").filter(Boolean);
      const boxes = boxesOf(task);
      expect(lines).toHaveLength(boxes.length);
      lines.forEach((line, i) => {
        const [cls, cx, cy, w, h] = line.split(" ").map(Number);
        for (const value of [cx, cy, w, h]) expect(value >= 0 && value <= 1, line).toBe(true);
        expect(classes[cls]).toBe(boxes[i].label);
        // Six decimals of a 1280-pixel side: within a hundredth of a pixel.
        const read = { x: (cx - w / 2) * SIZE.width, y: (cy - h / 2) * SIZE.height, w: w * SIZE.width, h: h * SIZE.height };
        for (const key of ["x", "y", "w", "h"] as const) expect(Math.abs(read[key] - boxes[i][key]), `${key} of ${line}`).toBeLessThan(0.01);
      });
    }
  });

  it("Pascal VOC: one XML annotation per image with its size and the boxes' corners", async () => {
    const { bytes } = await exported("pascal_voc", { batch_id: batches.boxes });
    const files = await unzip(bytes);
    const parser = new XMLParser({ isArray: (name) => name === "object" });
    const tasks = [...(await results(batches.boxes)).values()].filter((task) => task.metadata);
    expect(files.get("ImageSets/Main/default.txt")!.trimEnd().split("\n")).toEqual(tasks.map((task) => task.id));
    expect(files.get("labels.txt")!.trimEnd().split("\n")).toEqual(BOX_CLASSES);
    for (const task of tasks) {
      const { annotation } = parser.parse(files.get(`Annotations/${task.id}.xml`)!);
      expect(annotation.path).toBe(task.dataUrl);
      expect(annotation.size).toEqual({ ...SIZE, depth: 3 });
      expect((annotation.object ?? []).map((o: any) => ({ label: o.name, ...o.bndbox }))).toEqual(
        // VOC's corners are whole pixels.
        boxesOf(task).map((box) => ({ label: box.label, xmin: Math.round(box.x), ymin: Math.round(box.y), xmax: Math.round(box.x + box.w), ymax: Math.round(box.y + box.h) })),
      );
    }
  });

  it("CoNLL-2003 with IOB2 tags: one document per task, its spans tagged B-/I- on their tokens", async () => {
    const { bytes } = await exported("conll", { batch_id: batches.entities });
    const documents = bytes.toString("utf8").split("-DOCSTART- -X- -X- O\n").filter((doc) => doc.trim());
    const tasks = [...(await results(batches.entities)).values()];
    expect(documents).toHaveLength(tasks.length);
    documents.forEach((document, index) => {
      const task = tasks[index];
      const rows = document.trim().split("\n").map((line) => line.split(" "));
      for (const row of rows) expect(row).toHaveLength(4);
      expect(rows.map((row) => row[0]).join("")).toBe(task.data!.replace(/\s/g, ""));
      // Spans read back from the tags are the result's spans.
      const spans: { text: string; label: string }[] = [];
      for (const [token, , , tag] of rows) {
        if (tag.startsWith("B-")) spans.push({ text: token, label: tag.slice(2) });
        else if (tag.startsWith("I-")) spans[spans.length - 1].text += token;
        else expect(tag).toBe("O");
      }
      const entities = (task.result as { entities: { start: number; end: number; label: string }[] }).entities;
      expect(spans).toEqual(entities.map((e) => ({ text: task.data!.slice(e.start, e.end).replace(/\s/g, ""), label: e.label })));
    });
  });

  it("the Ground Truth output manifest: each line's source and label attribute with its metadata", async () => {
    const { bytes } = await exported("ground_truth_manifest", { batch_id: batches.classes });
    const lines = bytes.toString("utf8").trimEnd().split("\n").map((line) => JSON.parse(line));
    const tasks = await results(batches.classes);
    expect(lines).toHaveLength(20);
    for (const line of lines) {
      const task = tasks.get(line.task_id)!;
      expect(line["source-ref"]).toBe(task.dataUrl);
      expect(line.label).toBe((task.result as { label: string }).label);
      expect(line["label-metadata"]).toMatchObject({ confidence: task.confidence, "human-annotated": "no", status: "completed" });
    }
  });

  it("filters by type, status and time, and counts what a format cannot hold", async () => {
    const ner = await exported("jsonl", { type: "named_entity" });
    expect(ner.export.task_count).toBe(20);
    const none = await exported("jsonl", { created_after: new Date(Date.now() + 3_600_000).toISOString() });
    expect(none.export.task_count).toBe(0);
    expect(none.bytes.length).toBe(0);
    const pending = await exported("csv", { status: "pending" });
    expect(pending.export.task_count).toBe(0);
    const wrongType = await exported("coco", { batch_id: batches.classes });
    expect(wrongType.export).toMatchObject({ task_count: 0, skipped: { "not a bounding_box or polygon or keypoints task": 20 } });
    expect(JSON.parse(wrongType.bytes.toString("utf8"))).toMatchObject({ images: [], annotations: [], categories: [] });
    // 32 boxes, 20 entities, 20 classifications, 20 outlines and skeletons.
    const all = await exported("csv", {});
    expect(all.export.task_count).toBe(92);
  });

  it("refuses a bad format, filter or download with a clear 4xx", async () => {
    for (const body of [{ format: "xlsx" }, { format: "csv", filter: { status: "done" } }, { format: "csv", filter: { created_after: "yesterday" } }, { format: "csv", filter: { batchId: "x" } }, {}]) {
      const res = await service.rest.post("/v1/exports", body, { apiKey: customer.apiKey });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe("invalid_request");
    }
    const streamed = await service.rest.get("/v1/tasks/export?format=docx", { apiKey: customer.apiKey });
    expect(streamed.status).toBe(400);
    const created = await service.rest.post("/v1/exports", { format: "csv" }, { apiKey: customer.apiKey });
    await service.deps.prisma.export.update({ where: { id: created.body.export_id }, data: { status: "failed", error: "the export could not be built" } });
    const notReady = await service.rest.get(`/v1/exports/${created.body.export_id}/download`, { apiKey: customer.apiKey });
    expect(notReady.status).toBe(409);
    expect(notReady.body.error).toMatchObject({ code: "export_not_ready", status: "failed" });
    expect((await service.rest.get("/v1/exports/exp_missing", { apiKey: customer.apiKey })).status).toBe(404);
  });

  it("is per customer and environment: another's export is a 404 and its tasks are never in yours", async () => {
    const other = await registerCustomer(service.rest, "Nosy Exporter");
    const mine = await exported("jsonl", { batch_id: batches.classes });
    expect((await service.rest.get(`/v1/exports/${mine.export.export_id}`, { apiKey: other.apiKey })).status).toBe(404);
    expect((await service.rest.get(`/v1/exports/${mine.export.export_id}/download`, { apiKey: other.apiKey })).status).toBe(404);
    expect((await service.rest.get("/v1/exports", { apiKey: other.apiKey })).body.data).toEqual([]);
    const theirs = await exported("jsonl", { batch_id: batches.classes }, other.apiKey);
    expect(theirs.export.task_count).toBe(0);
    const streamed = await fetch(`${service.url}/v1/tasks/export?format=jsonl`, { headers: { authorization: `Bearer ${other.apiKey}` } });
    expect(await streamed.text()).toBe("");
    const listed = (await service.rest.get("/v1/exports?limit=100", { apiKey: customer.apiKey })).body.data as { export_id: string }[];
    expect(listed.map((e) => e.export_id)).toContain(mine.export.export_id);
  });

  it("over GraphQL: createExport with a typed filter, then export(id) and exports", async () => {
    const created = await service.graphql(
      `mutation($filter: ExportFilterInput) { createExport(format: CSV, filter: $filter) { ... on MutationCreateExportSuccess { data { id status format filter } } ... on AppError { code message } } }`,
      { filter: { batchId: batches.classes, status: "COMPLETED", createdAfter: "2020-01-01T00:00:00Z" } },
      { apiKey: customer.apiKey },
    );
    expect(created.errors).toBeUndefined();
    const made = created.data.createExport.data;
    expect(made).toMatchObject({ status: "QUEUED", format: "csv", filter: { batchId: batches.classes, status: "completed", createdAfter: "2020-01-01T00:00:00.000Z" } });
    const read = async () => (await service.graphql(`query($id: ID!) { export(id: $id) { status taskCount downloadUrl } }`, { id: made.id }, { apiKey: customer.apiKey })).data.export;
    await expect.poll(async () => (await read()).status, { timeout: 30_000 }).toBe("COMPLETED");
    expect(await read()).toEqual({ status: "COMPLETED", taskCount: 20, downloadUrl: `/v1/exports/${made.id}/download` });
    const other = await registerCustomer(service.rest, "GraphQL Nosy Exporter");
    expect((await service.graphql(`query($id: ID!) { export(id: $id) { id } }`, { id: made.id }, { apiKey: other.apiKey })).data.export).toBeNull();
    const listed = await service.graphql(`{ exports(first: 100) { edges { node { id } } } }`, {}, { apiKey: customer.apiKey });
    expect(listed.data.exports.edges.map((edge: { node: { id: string } }) => edge.node.id)).toContain(made.id);
    const refused = await service.graphql(`mutation { createExport(format: CSV, filter: { batchId: "" }) { ... on AppError { code } } }`, {}, { apiKey: customer.apiKey });
    expect(refused.data.createExport.code).toBe("invalid_request");
  });

  it("is taken over and built again from the start when its builder died mid-way", async () => {
    // A builder that claimed it, wrote a first chunk and died: its lease has run out.
    const created = await service.deps.prisma.export.create({
      data: {
        id: "exp_01jz0000000000000000000000",
        customerId: customer.customerId,
        environment: "sandbox",
        format: "jsonl",
        filter: { batchId: batches.classes },
        status: "building",
        leaseToken: "dead-builder",
        lockedUntil: new Date(Date.now() - 1000),
        attempts: 1,
        chunks: { create: [{ seq: 0, data: Buffer.from("half a line from a dead builder") }] },
      },
    });
    await expect.poll(async () => (await service.rest.get(`/v1/exports/${created.id}`, { apiKey: customer.apiKey })).body.status, { timeout: 30_000 }).toBe("completed");
    const download = await service.rest.get(`/v1/exports/${created.id}/download`, { apiKey: customer.apiKey });
    const lines = download.text.trimEnd().split("\n").map((line) => JSON.parse(line));
    expect(lines).toHaveLength(20);
    expect(download.text).not.toContain("dead builder");
    const event = await service.deps.prisma.event.findFirst({ where: { customerId: customer.customerId, type: "export.completed", payload: { path: ["data", "export_id"], equals: created.id } } });
    expect(event).not.toBeNull();
  });
});
