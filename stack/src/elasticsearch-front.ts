// What Filebeat and the Elasticsearch exporter connect through in the native stack and the tests.
// The integ-test-zip distribution has no `GET /` (405 since 8.9), and both ask `GET /` for the
// cluster's version before anything else. Every request passes through unchanged, except a
// `GET /` that Elasticsearch refuses with 405: that one is answered as a full distribution
// would. Production runs the full distribution (compose) and needs none of this.
import { request, createServer, type Server } from "node:http";
import { ES_VERSION } from "./elasticsearch.ts";

export interface ElasticsearchFront {
  url: string;
  close(): Promise<void>;
}

export async function startElasticsearchFront(opts: { upstream: string; port: number }): Promise<ElasticsearchFront> {
  const upstream = new URL(opts.upstream);
  const health = (await (await fetch(new URL("/_cluster/health", upstream))).json()) as { cluster_name?: string };
  const clusterName = health.cluster_name ?? "elasticsearch";
  const root = JSON.stringify({
    name: clusterName,
    cluster_name: clusterName,
    version: {
      number: ES_VERSION,
      build_flavor: "default",
      build_type: "zip",
      lucene_version: "9.12.2",
      minimum_wire_compatibility_version: "7.17.0",
      minimum_index_compatibility_version: "7.0.0",
    },
    tagline: "You Know, for Search",
  });
  const isRoot = (method?: string, url?: string) =>
    (method === "GET" || method === "HEAD") && (url === "/" || url?.startsWith("/?") === true);
  const server: Server = createServer((req, res) => {
    const out = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        if (answer.statusCode === 405 && isRoot(req.method, req.url)) {
          answer.resume();
          res.writeHead(200, { "content-type": "application/json", "x-elastic-product": "Elasticsearch" });
          res.end(req.method === "GET" ? root : undefined);
          return;
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    out.on("error", (err) => {
      if (!res.headersSent) res.writeHead(502, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: `elasticsearch: ${err.message}`, status: 502 }));
    });
    req.pipe(out);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, "127.0.0.1", resolve);
  });
  return {
    url: `http://127.0.0.1:${opts.port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
