// CoNLL-2003 layout with IOB2 tags, for named_entity tasks: each task a
// document ("-DOCSTART- -X- -X- O", a blank line, then one token per line:
// "token POS chunk tag", POS and chunk unknown as "_"), its entity spans
// tagged B-<type> on a span's first token and I-<type> on the rest, O elsewhere.
import type { Entities } from "../../tasks/types/named-entity.js";
import type { ExportFormat } from "./format.js";

/** Words and punctuation marks, with their character offsets. */
function tokens(text: string) {
  return [...text.matchAll(/[\p{L}\p{N}]+(?:['’][\p{L}]+)*|[^\s\p{L}\p{N}]/gu)].map((m) => ({ text: m[0], start: m.index!, end: m.index! + m[0].length }));
}

export function iobTags(text: string, entities: Entities["entities"]) {
  let previous: Entities["entities"][number] | undefined;
  return tokens(text).map((token) => {
    const entity = entities.find((e) => token.start < e.end && token.end > e.start);
    const tag = entity ? `${entity === previous ? "I" : "B"}-${entity.label}` : "O";
    previous = entity;
    return { token: token.text, tag };
  });
}

export const conll: ExportFormat = {
  contentType: "text/plain; charset=utf-8",
  extension: "conll",
  types: ["named_entity"],
  completedOnly: true,
  async *write(context) {
    for await (const task of context.tasks()) {
      const lines = iobTags(task.data ?? "", (task.result as unknown as Entities).entities).map(({ token, tag }) => `${token} _ _ ${tag}`);
      yield `-DOCSTART- -X- -X- O\n\n${lines.join("\n")}\n\n`;
    }
  },
};
