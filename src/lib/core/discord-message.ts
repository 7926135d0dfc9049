/** Discord rejects message content longer than this. */
export const DISCORD_CONTENT_LIMIT = 2000;

/** Ends content that was cut to fit DISCORD_CONTENT_LIMIT. */
export const TRUNCATION_MARKER = "\n… (truncated)";

const CODE_FENCE = "```";

/** The JSON body of a webhook execution. */
export interface WebhookPayload {
  content: string;
  allowed_mentions: { parse: [] };
  /** Action rows of buttons (core/discord/buttons.ts): only where the application posts. */
  components?: readonly unknown[];
}

/**
 * Markdown → payload; content cut to ≤ 2000 characters with a visible marker (e.g. "\n… (truncated)"); mentions never parsed so output can't ping @everyone/@here/roles/users.
 * A code block left open by the cut is closed, so the marker shows as text.
 */
export function discordPayload(markdown: string): WebhookPayload {
  return { content: fitContent(markdown), allowed_mentions: { parse: [] } };
}

function fitContent(text: string): string {
  if (text.length <= DISCORD_CONTENT_LIMIT) return text;
  // Room for the marker and for a fence that closes an open code block.
  let kept = text.slice(
    0,
    DISCORD_CONTENT_LIMIT - TRUNCATION_MARKER.length - 1 - CODE_FENCE.length,
  );
  // Do not leave half of a surrogate pair (an emoji, say) at the end.
  if (/[\uD800-\uDBFF]$/.test(kept)) kept = kept.slice(0, -1);
  const openFence = kept.split(CODE_FENCE).length % 2 === 0;
  return `${kept}${openFence ? `\n${CODE_FENCE}` : ""}${TRUNCATION_MARKER}`;
}
