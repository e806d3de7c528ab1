// `promtool check rules` on a rule file before it is saved: the same parser and template checks
// Prometheus applies when it loads the file, so a file Prometheus would refuse is never written.
// promtool is OPSDECK_PROMTOOL_BIN (npm start sets it to the one it built) or on the PATH (the
// OpsDeck image carries Prometheus' own).
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface RuleFileProblem {
  /** The rule's place in its group (0-based), when promtool names one. */
  ruleIndex?: number;
  field: "expr" | "annotations" | "labels" | "file";
  /** In the expression, 1-based, when it does not parse. */
  line?: number;
  column?: number;
  /** promtool's own words (Prometheus' parser's). */
  detail: string;
}

const promtoolBinary = () => process.env.OPSDECK_PROMTOOL_BIN || "promtool";

/** What promtool says of one line of its output, as a problem with its place. */
export function problemOf(line: string): RuleFileProblem {
  const rule = /rule (\d+),/.exec(line);
  const ruleIndex = rule ? Number(rule[1]) - 1 : undefined;
  const parse = /could not parse expression: (\d+):(\d+): (.*)$/.exec(line);
  if (parse) return { ruleIndex, field: "expr", line: Number(parse[1]), column: Number(parse[2]), detail: parse[3] };
  const afterRule = line.replace(/^.*?rule \d+, "[^"]*": /, "");
  if (/annotation/.test(line)) return { ruleIndex, field: "annotations", detail: afterRule };
  if (/label/.test(line)) return { ruleIndex, field: "labels", detail: afterRule };
  return { ruleIndex, field: rule ? "expr" : "file", detail: afterRule.replace(/^\S+: /, "") };
}

/** Checks a rule file's text; resolves with its problems (none: Prometheus will load it). */
export async function checkRuleFile(text: string): Promise<RuleFileProblem[]> {
  const dir = await mkdtemp(join(tmpdir(), "opsdeck-rules-"));
  const file = join(dir, "candidate.yml");
  try {
    await writeFile(file, text);
    const output = await new Promise<{ code: number; text: string }>((resolve, reject) =>
      execFile(
        /*turbopackIgnore: true*/ promtoolBinary(),
        ["check", "rules", "--lint=none", file],
        { timeout: 20_000 },
        (err, stdout, stderr) => {
          if (err && typeof err.code !== "number") return reject(new Error(`promtool could not run: ${err.message}`));
          resolve({ code: err ? Number(err.code) : 0, text: `${stdout}\n${stderr}` });
        },
      ),
    );
    if (output.code === 0) return [];
    const lines = output.text.split("\n").filter((l) => l.startsWith(file));
    if (!lines.length) return [{ field: "file", detail: output.text.trim().slice(0, 500) }];
    return lines.map((l) => problemOf(l.slice(file.length + 2)));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
