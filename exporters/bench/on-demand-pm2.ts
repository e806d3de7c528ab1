// The comparison for the PM2 benchmark: the on-demand pattern of the most used PM2 exporter —
// a fresh pm2.list() (through the public pm2 API) and fresh metrics on every scrape. It renders
// with OpsDeck's own (faster than prom-client) renderer, so the comparison flatters it.
import express from "express";
import pm2 from "pm2";
import type { Pm2Process } from "../src/pm2/daemon.ts";
import { createRestartTracker, renderSnapshot } from "../src/pm2/snapshot.ts";

const port = Number(process.argv[2]);
pm2.connect((err) => {
  if (err) throw err;
  const app = express();
  app.get("/metrics", (_req, res) => {
    pm2.list((e, list) => {
      if (e) return void res.status(500).send(String(e));
      const text = renderSnapshot({
        up: true,
        processes: list as unknown as Pm2Process[],
        refreshErrors: 0,
        lastRefresh: Date.now(),
        refreshSeconds: 0,
        appMetrics: true,
        restarts: createRestartTracker(),
        unstable: createRestartTracker(),
        now: Date.now(),
      });
      res.type("text/plain").send(text);
    });
  });
  app.get("/healthz", (_req, res) => void res.send("ok"));
  app.listen(port, "127.0.0.1");
});
