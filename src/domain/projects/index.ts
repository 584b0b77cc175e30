// Labeling projects: settings, instructions and examples their tasks inherit.
export { createProject, getProject, listProjects, projectChangeSchema, projectInputSchema, projectTaskCounts, updateProject } from "./projects.js";
export { renderInstructions } from "./instructions.js";
