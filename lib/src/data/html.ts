/**
 * HTML fragments in product text (descriptions scraped from shop pages) to plain text: block
 * tags become line breaks, other tags vanish, script and style content is dropped, entities are
 * decoded, runs of spaces collapse.
 */

const NAMED_ENTITIES: Readonly<Record<string, string>> = {
  amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " ", ndash: "–", mdash: "—", hellip: "…", rsquo: "’",
  lsquo: "‘", rdquo: "”", ldquo: "“", bull: "•", middot: "·", deg: "°", reg: "®", copy: "©", trade: "™", times: "×",
  frac12: "½", frac14: "¼", frac34: "¾", eacute: "é", egrave: "è", aacute: "á", agrave: "à", ouml: "ö", uuml: "ü",
  auml: "ä", szlig: "ß", ntilde: "ñ", ccedil: "ç", euro: "€", pound: "£", cent: "¢", inch: "″", prime: "′", Prime: "″",
};

const BLOCK_TAGS = /<\/?(?:p|div|br|li|ul|ol|tr|table|h[1-6]|section|article|header|footer|blockquote|dd|dt|dl)\b[^>]*>/gi;

/** True when `text` holds something that looks like an HTML tag or entity. */
export function looksLikeHtml(text: string): boolean {
  return /<\/?[a-z][a-z0-9]*\b[^>]*>|&(?:[a-z]+|#\d+|#x[0-9a-f]+);/i.test(text);
}

/** Decodes named (common ones), decimal and hex character references; unknown names stay as written. */
export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z][a-z0-9]*);/gi, (whole, body: string) => {
    if (body[0] === "#") {
      const code = body[1] === "x" || body[1] === "X" ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED_ENTITIES[body] ?? NAMED_ENTITIES[body.toLowerCase()] ?? whole;
  });
}

/** Plain text of an HTML fragment; line breaks where blocks were, single spaces elsewhere. */
export function stripHtml(html: string): string {
  return decodeEntities(
    html
      .replace(/<!--[\s\S]*?-->/g, " ")
      .replace(/<(script|style)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, " ")
      .replace(BLOCK_TAGS, "\n")
      .replace(/<\/?[a-z][a-z0-9]*\b[^>]*>/gi, " ")
  )
    .replace(/[ \t\f\v\u00a0]+/g, " ")
    .replace(/ *\n[\s]*/g, "\n")
    .trim();
}
