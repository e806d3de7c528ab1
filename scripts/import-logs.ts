// `npm run import-logs -- <file> [--name NAME]`: imports a log file (.log, .txt, .gz, .zip,
// .tar, .tar.gz) into Elasticsearch for analysis, with a progress bar; Ctrl-C cancels. The import
// then shows on the portal's Logs page (source: the import's name).
import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { basename } from "node:path";
import { ConfigError, loadConfig } from "@opsdeck/core";
import { esClient, initElasticsearch } from "@opsdeck/core/elastic";
import { newImportId, runImport, type ImportRecord } from "@opsdeck/core/logs-import/import";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { name: { type: "string" }, config: { type: "string" } },
});
if (positionals.length !== 1) {
  console.error("usage: npm run import-logs -- <file> [--name NAME] [--config opsdeck.yml]");
  process.exit(64);
}
const file = positionals[0];
if (!existsSync(file)) {
  console.error(`${file}: no such file`);
  process.exit(66);
}
let config;
try {
  ({ config } = loadConfig({
    argv: values.config ? ["--config", values.config] : [],
    env: process.env,
    reader: "import-logs",
  }));
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : (err as Error).message);
  process.exit(78);
}
const client = esClient(config);
await initElasticsearch(client, config.elasticsearch);
const id = newImportId();
const name = values.name ?? basename(file);
const ac = new AbortController();
process.once("SIGINT", () => {
  process.stderr.write("\ncancelling…\n");
  ac.abort();
});

const mb = (b: number) => (b / 2 ** 20).toFixed(1);
const tty = process.stderr.isTTY;
let lastLine = 0;
function show(r: ImportRecord, final = false) {
  const frac = r.bytes_total ? r.bytes_read / r.bytes_total : 0;
  const bar = "█".repeat(Math.round(frac * 30)).padEnd(30, "░");
  const line = `${bar} ${(frac * 100).toFixed(0).padStart(3)}%  ${mb(r.bytes_read)}/${mb(r.bytes_total)} MB  ${r.lines} lines  ${r.lines_per_second}/s  ${r.bad_lines} bad`;
  if (tty) process.stderr.write(`\r${line}${final ? "\n" : ""}`);
  else if (final || Date.now() - lastLine > 5000) {
    lastLine = Date.now();
    process.stderr.write(line + "\n");
  }
}
const r = await runImport({
  client,
  prefix: config.elasticsearch.index_prefix,
  id,
  name,
  file,
  signal: ac.signal,
  onProgress: show,
  limits: config.elasticsearch.imports,
});
show(r, true);
console.log(
  `${r.status}: import ${id} "${name}" — ${r.docs} events from ${r.lines} lines in ${r.files} file(s); ${r.bad_lines} bad lines, ${r.failed_docs} refused`,
);
for (const b of r.bad_samples.slice(0, 5)) console.log(`  bad: ${b.file}:${b.line}: ${b.reason}: ${b.text}`);
if (r.error) console.error(r.error);
process.exit(r.status === "done" ? 0 : 1);
