// Pascal VOC, a zip: Annotations/<task id>.xml per image (its URL, size from
// the task's metadata, one <object> per aggregated box as pixel corners),
// ImageSets/Main/default.txt listing them, and labels.txt naming the classes.
import type { Boxes } from "../../tasks/types/bounding-box.js";
import { CategoryIds } from "./coco.js";
import { boxableImageSize, imageStem, NO_IMAGE_SIZE, type ExportFormat, type ExportTask } from "./format.js";
import { ZipWriter } from "./zip.js";

const XML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" };
const xml = (value: string | number) => String(value).replace(/[&<>"']/g, (c) => XML_ESCAPES[c]);

function annotationXml(task: ExportTask, size: { width: number; height: number }): string {
  const objects = (task.result as unknown as Boxes).boxes.map(
    (box) => `  <object>
    <name>${xml(box.label)}</name>
    <pose>Unspecified</pose>
    <truncated>0</truncated>
    <difficult>0</difficult>
    <bndbox>
      <xmin>${Math.round(box.x)}</xmin>
      <ymin>${Math.round(box.y)}</ymin>
      <xmax>${Math.round(box.x + box.w)}</xmax>
      <ymax>${Math.round(box.y + box.h)}</ymax>
    </bndbox>
  </object>
`,
  );
  return `<annotation>
  <folder>images</folder>
  <filename>${xml(task.dataUrl!.split("/").pop() || task.id)}</filename>
  <path>${xml(task.dataUrl!)}</path>
  <source><database>ASG Refinery</database><annotation>${xml(task.id)}</annotation></source>
  <size><width>${size.width}</width><height>${size.height}</height><depth>3</depth></size>
  <segmented>0</segmented>
${objects.join("")}</annotation>
`;
}

export const pascalVoc: ExportFormat = {
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
      yield* zip.add(`Annotations/${imageStem(task)}.xml`, annotationXml(task, size));
    }
    yield* zip.add("labels.txt", classes.entries().map((entry) => entry.name + "\n").join(""));
    const list = zip.open("ImageSets/Main/default.txt");
    for await (const task of context.tasks()) if (boxableImageSize(task)) yield* list.write(imageStem(task) + "\n");
    yield* list.close();
    yield* zip.end();
  },
};
