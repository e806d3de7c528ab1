// An error line's pattern: what stays the same between two occurrences of one error, so errors
// can be counted by kind and a kind new since a deploy can be told apart ("error novelty").
// Quoted values, UUIDs, long hex strings and numbers are masked; only the first line counts (a
// stack trace's frames move with every build). Filebeat computes the same pattern at ingest
// (filebeat/filebeat.yml, script opsdeck_error_pattern — ECMAScript 5.1, the same expressions in
// the same order); filebeat/test/ship.test.ts checks the two agree on real shipped lines.

/** Longest pattern kept: the field is a keyword, and an error's kind is in its first words. */
export const ERROR_PATTERN_MAX = 200;

/** The levels whose lines carry a pattern. */
export const ERROR_LEVELS = ["error", "fatal"] as const;

export function errorPattern(message: string): string {
  const firstLine = message.split("\n", 1)[0];
  return firstLine
    .replace(/"[^"]*"|'[^']*'/g, '"<v>"')
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, "<id>")
    .replace(/\b0x[0-9a-f]+\b|\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}\b/gi, "<hex>")
    .replace(/\d+(\.\d+)?/g, "<n>")
    .replace(/\s+/g, " ")
    .trim()
    .slice(0, ERROR_PATTERN_MAX);
}
