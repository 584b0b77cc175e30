// The labeling wing: the work queue, judgments, completion by aggregation,
// the workforce (annotators and their reliability) and the sandbox crowd.
export { claimNextAssignment, hasOpenTasks, releaseAssignment, type AssignmentWithTask } from "./queue.js";
export { reportProblem, submitJudgment } from "./judgments.js";
export { createAnnotator, ensureSandboxCrowd, getAnnotator, listAnnotators, reliabilityOf, type Reliability } from "./annotators.js";
export { sandboxCrowd, sandboxTruth, simulatedAnswer } from "./sandbox-crowd.js";
export { labelSandboxRound, ROUND_SIZE, type CrowdMember, type RoundOutcome } from "./sandbox-rounds.js";
