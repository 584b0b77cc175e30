// COCO object detection (cocodataset.org/#format-data): images (by URL, with
// the size from the task's metadata), one annotation per aggregated box as
// [x, y, width, height] in pixels, categories from the label specs' classes.
// Two readings of the same tasks (the builder makes them the same): images
// first, then annotations, numbering the images alike both times.
import type { Boxes } from "../../tasks/types/bounding-box.js";
import { boxableImageSize, NO_IMAGE_SIZE, type ExportFormat, type ExportTask } from "./format.js";

/** Categories numbered from 1 in the order first met (0 is the background by COCO custom). */
export class CategoryIds {
  private ids = new Map<string, number>();
  idOf(name: string): number {
    let id = this.ids.get(name);
    if (id === undefined) this.ids.set(name, (id = this.ids.size + 1));
    return id;
  }
  /** Every class of a task's spec, so that a class nobody drew still has its category. */
  addSpec(task: ExportTask) {
    for (const name of (task.labelSpec as { classes?: string[] }).classes ?? []) this.idOf(name);
  }
  entries() {
    return [...this.ids].map(([name, id]) => ({ id, name }));
  }
}

export const coco: ExportFormat = {
  contentType: "application/json",
  extension: "json",
  types: ["bounding_box"],
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
      for (const box of (task.result as unknown as Boxes).boxes) {
        const annotation = {
          id: ++annotationId,
          image_id: imageId,
          category_id: categories.idOf(box.label),
          bbox: [box.x, box.y, box.w, box.h],
          area: box.w * box.h,
          iscrowd: 0,
          segmentation: [],
          score: task.confidence,
        };
        yield (first ? "" : ",") + JSON.stringify(annotation);
        first = false;
      }
    }
    yield `],"categories":${JSON.stringify(categories.entries().map((c) => ({ ...c, supercategory: "object" })))}}`;
  },
};
