// Elasticsearch for OpsDeck: the client, index names, and the idempotent init step that applies
// provisioning/elasticsearch/ (component + index templates; ILM policies where the server has
// ILM) and, where it has none, keeps retention by deleting daily indices past their date.
import { Client, type estypes } from "@elastic/elasticsearch";
import component from "../../provisioning/elasticsearch/component-ecs.json" with { type: "json" };
import ilmPolicy from "../../provisioning/elasticsearch/ilm-policy.json" with { type: "json" };
import indexTemplates from "../../provisioning/elasticsearch/index-templates.json" with { type: "json" };
import { elasticsearchUrl, type ElasticsearchConfig } from "./config/elasticsearch.ts";

export const esClient = (c: Parameters<typeof elasticsearchUrl>[0]) => {
  const { api_key, username, password } = c.elasticsearch;
  const auth = api_key ? { apiKey: api_key } : username && password ? { username, password } : undefined;
  return new Client({
    // One node, or a cluster's: the client's pool marks a node dead when it fails and resurrects it later.
    nodes: [elasticsearchUrl(c), ...c.elasticsearch.nodes],
    requestTimeout: c.elasticsearch.timeout_seconds * 1000,
    maxRetries: 1,
    ...(auth ? { auth } : {}),
  });
};

const KINDS = ["logs", "events", "imports"] as const;
type Kind = (typeof KINDS)[number];

const day = (t: Date) => t.toISOString().slice(0, 10).replaceAll("-", ".");

/** Index names: daily for logs and events (so retention can go by name), one per import. */
export const indexName = {
  logs: (prefix: string, at = new Date()) => `${prefix}-logs-${day(at)}`,
  events: (prefix: string, at = new Date()) => `${prefix}-events-${day(at)}`,
  import: (prefix: string, id: string) => `${prefix}-import-${id}`,
};
export const indexPattern = (prefix: string, kind: Kind) => `${prefix}-${kind === "imports" ? "import" : kind}-*`;

const fill = <T>(json: T, vars: Record<string, string>): T =>
  JSON.parse(JSON.stringify(json).replace(/\{(\w+)\}/g, (m, k: string) => vars[k] ?? m)) as T;

const retentionDays = (es: ElasticsearchConfig, kind: Kind) =>
  ({ logs: es.retention.logs_days, events: es.retention.events_days, imports: es.retention.imports_days })[kind];

/** Whether this server has ILM (the integ-test distribution does not: no handler for /_ilm). */
export async function hasIlm(client: Client): Promise<boolean> {
  try {
    await client.transport.request({ method: "GET", path: "/_ilm/status" });
    return true;
  } catch (err) {
    const status = (err as { meta?: { statusCode?: number } }).meta?.statusCode;
    if (status === 400 || status === 404 || status === 405) return false;
    throw err;
  }
}

/** Applies templates and retention; safe to run again and again. Returns what it did, for the log. */
export async function initElasticsearch(client: Client, es: ElasticsearchConfig, now = new Date()): Promise<string[]> {
  const report: string[] = [];
  const prefix = es.index_prefix;
  // JSON imports type their strings as `string`; the files are Elasticsearch's own shapes.
  const { _meta, template } = component as unknown as {
    _meta: estypes.Metadata;
    template: estypes.IndicesPutIndexTemplateIndexTemplateMapping;
  };
  await client.cluster.putComponentTemplate({ name: `${prefix}-ecs`, template, _meta });
  report.push(`component template ${prefix}-ecs`);
  const ilm = await hasIlm(client);
  for (const kind of KINDS) {
    const t = fill(indexTemplates[kind], { prefix });
    const settings: Record<string, unknown> = { ...t.template.settings };
    if (ilm) {
      const policy = fill(ilmPolicy.policy, { days: String(retentionDays(es, kind)) }) as estypes.IlmPolicy;
      await client.ilm.putLifecycle({ name: `${prefix}-${kind}`, policy });
      settings["index.lifecycle.name"] = `${prefix}-${kind}`;
    }
    await client.indices.putIndexTemplate({
      name: `${prefix}-${kind}`,
      index_patterns: t.index_patterns,
      composed_of: t.composed_of,
      priority: t.priority,
      template: { settings },
      _meta: t._meta,
    });
    report.push(
      `index template ${prefix}-${kind} (${t.index_patterns.join(", ")}), kept ${retentionDays(es, kind)} days`,
    );
  }
  // The imports' registry is one small index, not a kind with retention.
  const registry = fill(indexTemplates.registry, { prefix });
  await client.indices.putIndexTemplate({
    name: `${prefix}-registry`,
    index_patterns: registry.index_patterns,
    priority: registry.priority,
    template: registry.template,
    _meta: registry._meta,
  });
  report.push(`index template ${prefix}-registry (${registry.index_patterns.join(", ")})`);
  if (ilm) report.push("retention: ILM policies (delete phase)");
  else {
    report.push("retention: this Elasticsearch has no ILM; deleting indices past their retention instead");
    const gone = await pruneIndices(client, es, now);
    if (gone.length) report.push(`deleted: ${gone.join(", ")}`);
  }
  return report;
}

/**
 * Retention without ILM: a daily index goes once its date is older than its kind's retention;
 * an import index once it was created longer ago than imports_days.
 */
export async function pruneIndices(client: Client, es: ElasticsearchConfig, now = new Date()): Promise<string[]> {
  const prefix = es.index_prefix;
  const rows = (await client.cat.indices({
    index: KINDS.map((k) => indexPattern(prefix, k)).join(","),
    format: "json",
    h: "index,creation.date",
    expand_wildcards: ["open", "closed"],
  })) as unknown as { index: string; "creation.date": string }[];
  const cutoff = (kind: Kind) => now.getTime() - retentionDays(es, kind) * 86_400_000;
  const old = rows
    .filter((r) => {
      const m = /-(logs|events)-(\d{4})\.(\d{2})\.(\d{2})$/.exec(r.index);
      // A daily index holds its day to the end: compare the day's end with the cutoff.
      if (m && r.index.startsWith(`${prefix}-`))
        return Date.UTC(+m[2], +m[3] - 1, +m[4]) + 86_400_000 <= cutoff(m[1] as Kind);
      if (r.index.startsWith(`${prefix}-import-`)) return Number(r["creation.date"]) <= cutoff("imports");
      return false;
    })
    .map((r) => r.index);
  if (old.length) await client.indices.delete({ index: old.join(",") });
  return old;
}
