// The sandbox labeler: the simulated crowd works the "simulated" queue through
// the real engine (claims, judgments, aggregation, events), so sandbox tasks
// complete within seconds. Any number of processes can run it: claims use
// FOR UPDATE SKIP LOCKED.
import type { Deps } from "../deps.js";
import { claimNextAssignment, ensureSandboxCrowd, hasOpenTasks, releaseAssignment, sandboxCrowd, simulatedAnswer, submitJudgment } from "../domain/labeling/index.js";
import type { AnnotatorActor } from "../domain/shared/index.js";
import { startPollingWorker, type Worker } from "./worker.js";

export function startSandboxLabeler(deps: Deps, options: { seed: number; accuracies: number[]; idleMs?: number }): Worker {
  const worker = startPollingWorker({
    name: "sandbox-labeler",
    logger: deps.logger,
    idleMs: options.idleMs ?? 200,
    prepare: () => ensureSandboxCrowd(deps, sandboxCrowd(options.accuracies)),
    // The members of the crowd work at once, each on its own until it finds no
    // task it may judge (claims skip locked rows, so they spread over tasks).
    // Idle, the crowd's seven claims would find nothing, five times a second.
    hasWork: () => hasOpenTasks(deps, "simulated"),
    tick: async (crowd) => {
      const judged = await Promise.all(
        crowd.map(async (member) => {
          let count = 0;
          while (!worker.isStopped() && (await judgeOne(member))) count++;
          return count;
        }),
      );
      return judged.some((count) => count > 0);
    },
  });
  /** Claims and answers one task as this member; false when there was none (or it failed). */
  async function judgeOne(member: { id: string; name: string; accuracy: number }): Promise<boolean> {
    const actor: AnnotatorActor = { kind: "annotator", annotatorId: member.id, workforce: "simulated" };
    let assignmentId: string | undefined;
    try {
      const assignment = await claimNextAssignment(deps, actor);
      if (!assignment) return false;
      assignmentId = assignment.id;
      const outcome = await submitJudgment(deps, actor, assignment.id, simulatedAnswer(options.seed, assignment.task, member));
      deps.metrics.judgment(actor.workforce, outcome.task.status);
      return true;
    } catch (error) {
      if (!worker.isStopped()) deps.logger.warn({ err: error, annotator: member.name }, "sandbox labeler: judgment failed");
      // Hand the slot back at once rather than leave it leased for 10 minutes.
      if (assignmentId) await releaseAssignment(deps, actor, assignmentId).catch(() => {});
      return false;
    }
  }
  return worker;
}
