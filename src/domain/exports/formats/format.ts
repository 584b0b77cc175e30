// What an export format is: a writer that turns the selected tasks into the
// file's bytes, piece by piece (memory stays flat), reading the tasks as many
// times as the file's layout needs (COCO lists images before annotations).
import type { Task } from "../../../generated/prisma/client.js";

export interface ExportJudgment {
  annotatorId: string;
  answer: unknown;
  createdAt: Date;
}

export type ExportTask = Task & { judgments: ExportJudgment[] };

export interface FormatContext {
  /** The selected tasks, oldest first (with judgments when the format asks); each call reads them again from the start. */
  tasks(): AsyncIterable<ExportTask>;
  /** A selected task this file cannot hold (counted once per reason, on the first reading). */
  skip(reason: string): void;
}

export interface ExportFormat {
  contentType: string;
  /** The download's file name extension. */
  extension: string;
  /** Task types the format holds; tasks of other types are skipped. Absent: every type. */
  types?: readonly string[];
  /** Whether it writes each judgment (the others are spared reading them). */
  judgments?: boolean;
  /** Only completed tasks (training formats: a label or nothing to train on). */
  completedOnly?: boolean;
  write(context: FormatContext): AsyncIterable<string | Uint8Array>;
}

/** An image task's size, from its metadata's `width` and `height` (pixels): box formats need it. */
export function imageSizeOf(task: Task): { width: number; height: number } | null {
  const metadata = (task.metadata ?? {}) as { width?: unknown; height?: unknown };
  const { width, height } = metadata;
  return Number.isInteger(width) && Number.isInteger(height) && (width as number) > 0 && (height as number) > 0
    ? { width: width as number, height: height as number }
    : null;
}

/** Why a box format leaves a task out: it cannot place boxes on an image of unknown size. */
export const NO_IMAGE_SIZE = "no image size (metadata width and height)";

/** An image task a box format can hold: its size, or null (no URL or no size). */
export function boxableImageSize(task: Task): { width: number; height: number } | null {
  return task.dataUrl ? imageSizeOf(task) : null;
}

/** The image's file name inside an archive: the task id (URLs may repeat and hold any character). */
export const imageStem = (task: Task) => task.id;
