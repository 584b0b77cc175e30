// COCO (cocodataset.org/#format-data): images (by URL, with the size from the
// task's metadata), one annotation per aggregated object, categories from the
// label specs. A box is a detection ([x, y, width, height] in pixels), an
// outline a segmentation (its polygon, box and area), a skeleton a keypoint
// detection ([x, y, v] per the category's keypoints, v = 2 visible, 0 not
// labeled). Two readings of the same tasks (the builder makes them the same):
// images first, then annotations, numbering the images alike both times.
import type { Boxes } from "../../tasks/types/bounding-box.js";
import type { KeypointSpec, Keypoints } from "../../tasks/types/keypoints.js";
import { outlineArea, type Point, type Polygons } from "../../tasks/types/polygon.js";
import { boxableImageSize, NO_IMAGE_SIZE, type ExportFormat, type ExportTask } from "./format.js";

/** A keypoint category's names, and its skeleton as 1-based pairs of them. */
type KeypointLayout = { keypoints: string[]; skeleton: [number, number][] };

/**
 * Categories numbered from 1 in the order first met (0 is the background by
 * COCO custom): a class by its name; a keypoint category by its name and its
 * keypoint list, since two specs may name different points.
 */
export class CategoryIds {
  private ids = new Map<string, { id: number; name: string; layout?: KeypointLayout }>();
  idOf(name: string, layout?: KeypointLayout): number {
    const key = layout ? JSON.stringify([name, layout.keypoints]) : name;
    let entry = this.ids.get(key);
    if (entry === undefined) this.ids.set(key, (entry = { id: this.ids.size + 1, name, layout }));
    return entry.id;
  }
  /** A keypoints spec's category. */
  keypointCategoryOf(spec: KeypointSpec): number {
    const skeleton = (spec.skeleton ?? []).map(([a, b]): [number, number] => [spec.keypoints.indexOf(a) + 1, spec.keypoints.indexOf(b) + 1]);
    return this.idOf(spec.category ?? "object", { keypoints: spec.keypoints, skeleton });
  }
  /** Every class (or the keypoint category) of a task's spec, so that one nobody drew still has its category. */
  addSpec(task: ExportTask) {
    if (task.type === "keypoints") this.keypointCategoryOf(task.labelSpec as KeypointSpec);
    for (const name of (task.labelSpec as { classes?: string[] }).classes ?? []) this.idOf(name);
  }
  entries() {
    return [...this.ids.values()].map(({ id, name, layout }) => ({ id, name, ...layout }));
  }
}

const boundsOf = (points: Point[]) => {
  const xs = points.map(([x]) => x);
  const ys = points.map(([, y]) => y);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys)];
};

/** A task's annotations, without their ids. */
function* annotationsOf(task: ExportTask, categories: CategoryIds) {
  const common = { iscrowd: 0, score: task.confidence };
  if (task.type === "bounding_box") {
    for (const box of (task.result as unknown as Boxes).boxes) {
      yield { category_id: categories.idOf(box.label), bbox: [box.x, box.y, box.w, box.h], area: box.w * box.h, segmentation: [], ...common };
    }
  } else if (task.type === "polygon") {
    for (const polygon of (task.result as unknown as Polygons).polygons) {
      yield { category_id: categories.idOf(polygon.label), segmentation: [polygon.points.flat()], bbox: boundsOf(polygon.points), area: outlineArea(polygon.points), ...common };
    }
  } else {
    const spec = task.labelSpec as KeypointSpec;
    for (const instance of (task.result as unknown as Keypoints).instances) {
      const visible = Object.values(instance.keypoints).map((p): Point => [p.x, p.y]);
      const bbox = boundsOf(visible);
      yield {
        category_id: categories.keypointCategoryOf(spec),
        keypoints: spec.keypoints.flatMap((name) => (instance.keypoints[name] ? [instance.keypoints[name].x, instance.keypoints[name].y, 2] : [0, 0, 0])),
        num_keypoints: visible.length,
        bbox,
        area: bbox[2] * bbox[3],
        ...common,
      };
    }
  }
}

export const coco: ExportFormat = {
  contentType: "application/json",
  extension: "json",
  types: ["bounding_box", "polygon", "keypoints"],
  completedOnly: true,
  async *write(context) {
    const categories = new CategoryIds();
    yield `{"info":{"description":"ASG Refinery export","version":"1.0","date_created":${JSON.stringify(new Date().toISOString())}},"licenses":[],"images":[`;
    let first = true;
    let imageId = 0;
    for await (const task of context.tasks()) {
      const size = boxableImageSize(task);
      if (!size) {
        context.skip(NO_IMAGE_SIZE);
        continue;
      }
      categories.addSpec(task);
      const image = { id: ++imageId, file_name: task.dataUrl!.split("/").pop() || task.id, coco_url: task.dataUrl, width: size.width, height: size.height, task_id: task.id };
      yield (first ? "" : ",") + JSON.stringify(image);
      first = false;
    }
    yield `],"annotations":[`;
    first = true;
    let annotationId = 0;
    imageId = 0;
    for await (const task of context.tasks()) {
      if (!boxableImageSize(task)) continue;
      imageId++;
      for (const annotation of annotationsOf(task, categories)) {
        yield (first ? "" : ",") + JSON.stringify({ id: ++annotationId, image_id: imageId, ...annotation });
        first = false;
      }
    }
    yield `],"categories":${JSON.stringify(categories.entries().map((c) => ({ ...c, supercategory: "object" })))}}`;
  },
};
