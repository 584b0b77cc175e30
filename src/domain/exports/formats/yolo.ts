// YOLO (Ultralytics' detection layout), a zip: labels/<task id>.txt with one
// "class x_center y_center width height" line per box (normalized to the
// image size from the task's metadata), classes.txt and data.yaml naming the
// classes by index, and images.txt mapping each task id to its image URL.
import type { Boxes } from "../../tasks/types/bounding-box.js";
import { CategoryIds } from "./coco.js";
import { boxableImageSize, imageStem, NO_IMAGE_SIZE, type ExportFormat } from "./format.js";
import { ZipWriter } from "./zip.js";

const decimals = (value: number) => Number(value.toFixed(6));

export const yolo: ExportFormat = {
  contentType: "application/zip",
  extension: "zip",
  types: ["bounding_box"],
  completedOnly: true,
  async *write(context) {
    const zip = new ZipWriter();
    const classes = new CategoryIds();
    for await (const task of context.tasks()) {
      const size = boxableImageSize(task);
      if (!size) {
        context.skip(NO_IMAGE_SIZE);
        continue;
      }
      classes.addSpec(task);
      const lines = (task.result as unknown as Boxes).boxes.map((box) =>
        [classes.idOf(box.label) - 1, decimals((box.x + box.w / 2) / size.width), decimals((box.y + box.h / 2) / size.height), decimals(box.w / size.width), decimals(box.h / size.height)].join(" "),
      );
      yield* zip.add(`labels/${imageStem(task)}.txt`, lines.map((line) => line + "\n").join(""));
    }
    const names = classes.entries().map((entry) => entry.name);
    yield* zip.add("classes.txt", names.map((name) => name + "\n").join(""));
    yield* zip.add("data.yaml", `# ASG Refinery export; images are listed in images.txt\nnc: ${names.length}\nnames: ${JSON.stringify(names)}\n`);
    const images = zip.open("images.txt");
    for await (const task of context.tasks()) if (boxableImageSize(task)) yield* images.write(`${imageStem(task)} ${task.dataUrl}\n`);
    yield* images.close();
    yield* zip.end();
  },
};
