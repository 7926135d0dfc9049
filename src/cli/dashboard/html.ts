/**
 * HTML built by a tagged template (`markup`, a name prettier does not reformat) that escapes every value it is given: command ids,
 * titles, outputs and reasons are untrusted text, so escaping is the default and only
 * markup built here (an `Html`) goes in as it is.
 */

/** Markup that is already safe: made by `markup` or `rawHtml`, never from outside text. */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Text made safe in an element and in a quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

type Value = Html | string | number | boolean | undefined | null | readonly Value[];

function render(value: Value): string {
  if (value === undefined || value === null || value === false) return "";
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map((v: Value) => render(v)).join("");
  return escapeHtml(String(value));
}

/** `markup\`<td>${text}</td>\``: strings and numbers escaped, Html kept, arrays joined. */
export function markup(strings: TemplateStringsArray, ...values: readonly Value[]): Html {
  let text = strings[0] ?? "";
  values.forEach((value, i) => {
    text += render(value) + (strings[i + 1] ?? "");
  });
  return new Html(text);
}

/** Markup written in this program (CSS, the page script): never outside text. */
export const rawHtml = (text: string) => new Html(text);
