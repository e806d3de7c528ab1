// The Rules page's two promises, on a real Prometheus:
// - a backtest of a rule over 7 days at 15-s steps across 1,000 series (40 million samples,
//   backfilled by promtool from OpenMetrics), beside the raw range queries it is built on (its
//   edges; the condition's every step) and the previous way (every step, then `for`), which must
//   find the same periods, in the same run;
// - save → loaded and evaluated: promtool check, the group's file written as the portal writes
//   it (atomically), then Prometheus' rules API polled until the rule has been evaluated after the
//   write (--config.auto-reload every second, the portal's groups every 5 s).
import { createWriteStream, mkdirSync } from "node:fs";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { once } from "node:events";
import { replaceFile } from "@opsdeck/core/atomic-file";
import { BIN, freePort, startPrometheus, type Proc } from "@opsdeck/stack";
import { summary, type Row } from "@opsdeck/stack/bench-stats";
import { tempDir } from "@opsdeck/stack/testkit";
import { backtest, MAX_STEPS_PER_QUERY, type RangeQuery } from "../src/features/rules/backtest.ts";
import { edgesQuery, firingPeriods } from "../src/features/rules/periods.ts";
import { checkRuleFile } from "../src/features/rules/promtool.ts";
import { groupFile, ruleSchema } from "../src/features/rules/rule.ts";

const SERIES = 1_000;
const DAYS = 7;
const STEP = 15;
const RUNS = Number(process.env.OPSDECK_BENCH_BACKTEST_RUNS ?? 10);
const SAVES = Number(process.env.OPSDECK_BENCH_SAVES ?? 20);
const DAY = 86_400_000;

/**
 * 1,000 series of a queue depth every 15 s for 7 days: a slow wave per series plus noise, above
 * 95 now and then (a few hundred crossings in all), written as it goes (about 1.3 GB).
 */
async function writeOpenMetrics(file: string, end: number) {
  const out = createWriteStream(file);
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, "drain");
  };
  await write("# TYPE depth gauge\n");
  const start = end - DAYS * DAY;
  let seed = 42;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let s = 0; s < SERIES; s++) {
    const phase = random() * 2 * Math.PI;
    const lines: string[] = [];
    for (let t = start; t <= end; t += STEP * 1000) {
      const v = 50 + 40 * Math.sin(phase + t / (6 * 3_600_000)) + 10 * random();
      lines.push(`depth{s="${s}"} ${v.toFixed(1)} ${t / 1000}`);
      if (lines.length === 4096) {
        await write(lines.join("\n") + "\n");
        lines.length = 0;
      }
    }
    if (lines.length) await write(lines.join("\n") + "\n");
  }
  await write("# EOF\n");
  out.end();
  await once(out, "finish");
}

export async function benchRules(): Promise<{ backtest: Row[]; save: Row[] }> {
  process.env.OPSDECK_PROMTOOL_BIN = BIN.promtool;
  const dir = tempDir("bench-rules");
  const end = Math.floor((Date.now() - 3_600_000) / (STEP * 1000)) * STEP * 1000;
  const file = join(dir, "depth.om");
  let began = performance.now();
  await writeOpenMetrics(file, end);
  const written = performance.now() - began;
  began = performance.now();
  execFileSync(
    BIN.promtool,
    ["tsdb", "create-blocks-from", "openmetrics", "--max-block-duration=192h", file, join(dir, "prom", "data")],
    { stdio: "ignore" },
  );
  console.log(
    `rules bench: ${SERIES} series × ${DAYS} days written in ${(written / 1000).toFixed(0)} s, backfilled in ${((performance.now() - began) / 1000).toFixed(0)} s`,
  );
  execFileSync("rm", ["-f", file]);
  const rulesDir = join(dir, "rules");
  mkdirSync(rulesDir, { recursive: true });
  const port = await freePort();
  let prom: Proc | undefined;
  try {
    ({ proc: prom } = await startPrometheus({
      dir: join(dir, "prom"),
      port,
      config: `global: { scrape_interval: 15s, evaluation_interval: 15s }\nrule_files: ["${rulesDir}/*.yml"]\n`,
    }));
    const url = `http://127.0.0.1:${port}`;
    const range: RangeQuery = async (query, start, stop, step) => {
      const res = await fetch(`${url}/api/v1/query_range`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ query, start: String(start / 1000), end: String(stop / 1000), step: String(step) }),
      });
      const j = (await res.json()) as {
        data: { result: { metric: Record<string, string>; values: [number, string][] }[] };
      };
      return res.ok ? { ok: true, data: j.data.result } : { ok: false, status: res.status, error: JSON.stringify(j) };
    };
    const start = end - DAYS * DAY;
    /** The backtest's pieces of the range, as it asks for them. */
    const pieces: [number, number][] = [];
    for (let from = start; from <= end; from += MAX_STEPS_PER_QUERY * STEP * 1000)
      pieces.push([from, Math.min(end, from + (MAX_STEPS_PER_QUERY - 1) * STEP * 1000)]);
    /** A query over those pieces sent straight to Prometheus, all at once: the samples it returned. */
    const raw = async (query: string) => {
      const counts = await Promise.all(
        pieces.map(async ([from, to]) => {
          const r = await range(query, from, to, STEP);
          if (!r.ok) throw new Error(r.error);
          return r.data.reduce((n, s) => n + s.values.length, 0);
        }),
      );
      return counts.reduce((a, b) => a + b, 0);
    };
    /** The backtest as it was before it asked for edges: every step the condition held, then `for`. */
    const everyStep = async () => {
      const answers = await Promise.all(pieces.map(([from, to]) => range("depth > 85", from, to, STEP)));
      const series = answers.flatMap((r) => {
        if (!r.ok) throw new Error(r.error);
        return r.data;
      });
      return firingPeriods(series, STEP * 1000, 300_000, end);
    };
    const edges = async () => {
      const r = await backtest("depth > 85", { start, end, stepSeconds: STEP, forMs: 300_000 }, range);
      if (!r.ok) throw new Error(r.error);
      return r.data.periods;
    };
    // Both ways find the same periods, to the millisecond, or the comparison means nothing — but
    // for a series already above at the range's start: Prometheus knows it fired at once, every
    // step of the range alone only `for` later. Those are left out of the comparison.
    const later = (ps: { start: number }[]) => JSON.stringify(ps.filter((p) => p.start > start + 300_000));
    const [fromEdges, fromSteps] = [await edges(), await everyStep()];
    if (later(fromEdges) !== later(fromSteps))
      throw new Error(`the edges found ${fromEdges.length} periods, every step ${fromSteps.length}: not the same`);
    const cases = [
      {
        name: "backtest: depth > 85 for 5m (its edges, pieces at once + for)",
        run: async () => (await edges()).length,
      },
      {
        name: "backtest from every step held (the previous way: samples + for)",
        run: async () => (await everyStep()).length,
      },
      {
        name: "raw range queries of the edges of depth > 85 (at once)",
        run: () => raw(edgesQuery("depth > 85", STEP, 300_000)),
      },
      { name: "raw range queries of depth > 85 (at once)", run: () => raw("depth > 85") },
    ] as { name: string; run: () => Promise<number>; runs?: number }[];
    const rows: Row[] = [];
    // Warm Prometheus' page cache once, then alternate the cases so drift hits all alike.
    for (const c of cases) await c.run();
    const times = cases.map(() => [] as number[]);
    const results = cases.map(() => 0);
    for (let i = 0; i < RUNS; i++)
      for (const [k, c] of cases.entries()) {
        if (i >= (c.runs ?? RUNS)) continue;
        const t0 = performance.now();
        results[k] = await c.run();
        times[k].push(performance.now() - t0);
      }
    for (const [k, c] of cases.entries()) {
      const s = summary(times[k]);
      rows.push({ case: c.name, result: results[k], runs: times[k].length, "median ms": s.p50_ms, "p95 ms": s.p95_ms });
    }

    // Save → loaded and evaluated.
    const saves: number[] = [];
    for (let i = 0; i < SAVES; i++) {
      const rule = ruleSchema.parse({
        id: "bench01",
        group: "bench",
        alert: "DepthHigh",
        condition: { kind: "threshold", metric: "depth", comparison: ">", threshold: 90 + i },
        for: "5m",
        summary: { "zh-CN": "队列 {{ $value }}", en: "Queue {{ $value }}" },
        updated_at: new Date().toISOString(),
        updated_by: "bench",
      });
      const text = groupFile("bench", [rule]);
      const t0 = Date.now();
      if ((await checkRuleFile(text)).length) throw new Error("promtool refused the bench's rule");
      replaceFile(join(rulesDir, "bench.yml"), text);
      const expr = `depth > ${90 + i}`;
      for (;;) {
        const groups = (await (await fetch(`${url}/api/v1/rules?type=alert`)).json()) as {
          data: { groups: { rules: { query: string; lastEvaluation: string }[] }[] };
        };
        const r = groups.data.groups.flatMap((g) => g.rules).find((x) => x.query === expr);
        if (r && Date.parse(r.lastEvaluation) >= t0) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      saves.push(Date.now() - t0);
      // Start the next save at a different point of the evaluation cycle.
      await new Promise((resolve) => setTimeout(resolve, 700 + ((i * 1300) % 3000)));
    }
    const s = summary(saves);
    const save: Row[] = [
      {
        case: "save (promtool + file) → evaluated by Prometheus",
        saves: SAVES,
        "median ms": s.p50_ms,
        "p95 ms": s.p95_ms,
        "max ms": s.max_ms,
      },
    ];
    return { backtest: rows, save };
  } finally {
    await prom?.stop();
  }
}
