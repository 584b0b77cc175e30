// The sandbox labeler: the simulated crowd works the "simulated" queue through
// the real engine (claims, judgments, aggregation, events), so sandbox tasks
// complete within seconds. Any number of processes can run it: claims use
// FOR UPDATE SKIP LOCKED.
import type { Deps } from "../deps.js";
import type { AnnotatorActor } from "../domain/actors.js";
import { claimNextAssignment, submitJudgment } from "../domain/labeling.js";
import { ensureSandboxCrowd } from "../domain/annotators.js";
import { sandboxCrowd, simulatedAnswer } from "../domain/sandbox-crowd.js";
import { startPollingWorker, type Worker } from "./worker.js";

export function startSandboxLabeler(deps: Deps, options: { seed: number; accuracies: number[]; idleMs?: number }): Worker {
  const worker = startPollingWorker({
    name: "sandbox-labeler",
    logger: deps.logger,
    idleMs: options.idleMs ?? 200,
    prepare: () => ensureSandboxCrowd(deps, sandboxCrowd(options.accuracies)),
    // One round: each member of the crowd judges at most one task.
    tick: async (crowd) => {
      let worked = false;
      for (const member of crowd) {
        if (worker.isStopped()) break;
        const actor: AnnotatorActor = { kind: "annotator", annotatorId: member.id, workforce: "simulated" };
        try {
          const assignment = await claimNextAssignment(deps, actor);
          if (!assignment) continue;
          worked = true;
          await submitJudgment(deps, actor, assignment.id, simulatedAnswer(options.seed, assignment.task, member));
        } catch (error) {
          if (worker.isStopped()) break;
          deps.logger.warn({ err: error, annotator: member.name }, "sandbox labeler: judgment failed");
        }
      }
      return worked;
    },
  });
  return worker;
}
