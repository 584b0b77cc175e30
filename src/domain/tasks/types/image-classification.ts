// image_classification: one label for an image (data_url).
import { classificationType } from "./classification.js";

export const imageClassification = classificationType("image_classification", "image");
