// A project's Markdown instructions as annotators see them: markdown-it with
// raw HTML off (it is escaped, not passed through) and its link check on
// (no javascript: or data: URLs), so a customer's text cannot script the
// annotator page. Links open in a new tab without a referrer.
import MarkdownIt from "markdown-it";

const markdown = new MarkdownIt({ html: false, linkify: true, typographer: false });
const defaultLinkOpen = markdown.renderer.rules.link_open ?? ((tokens, index, options, _env, self) => self.renderToken(tokens, index, options));
markdown.renderer.rules.link_open = (tokens, index, options, env, self) => {
  tokens[index].attrSet("target", "_blank");
  tokens[index].attrSet("rel", "noopener noreferrer");
  return defaultLinkOpen(tokens, index, options, env, self);
};

export function renderInstructions(text: string): string {
  return markdown.render(text);
}
