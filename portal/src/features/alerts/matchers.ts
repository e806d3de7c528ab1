// Alertmanager matchers typed into the Alerts page's filter: `team="business", severity=~"crit.*"`.
// Parsed and re-written here, so only well-formed matchers reach Alertmanager's `filter=`.
const ONE = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"\s*(?:,|$)/y;

export interface Matcher {
  name: string;
  op: "=" | "!=" | "=~" | "!~";
  /** Unescaped: `a\"b` in the text is `a"b` here. */
  value: string;
}

export function parseMatchers(
  text: string,
): { ok: true; matchers: string[]; parts: Matcher[] } | { ok: false; error: string } {
  const src = text.trim().replace(/^\{|\}$/g, "");
  const out: string[] = [];
  const parts: Matcher[] = [];
  ONE.lastIndex = 0;
  while (ONE.lastIndex < src.length) {
    const at = ONE.lastIndex;
    const m = ONE.exec(src);
    if (!m)
      return {
        ok: false,
        error: `position ${at + 1}: expected name="value", name!="value", name=~"regex" or name!~"regex"`,
      };
    out.push(`${m[1]}${m[2]}"${m[3]}"`);
    parts.push({ name: m[1], op: m[2] as Matcher["op"], value: m[3].replace(/\\(.)/g, "$1") });
  }
  return { ok: true, matchers: out, parts };
}
