// text_classification: one label for a text (inline data or data_url).
import { classificationType } from "./classification.js";

export const textClassification = classificationType("text_classification", "text");
