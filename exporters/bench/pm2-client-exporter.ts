// The comparison for the PM2 memory benchmark: the exporter as it read the daemon before
// wire.ts — through pm2's own client, which parses every bus message and the whole process list
// (every process's environment included) before the exporter keeps what it needs. Same
// refresh rule (on each process event, coalesced; and a poll), same renderer.
import express from "express";
import Client from "pm2/lib/Client.js";
import constants from "pm2/constants.js";
import paths from "pm2/paths.js";
import { kept, type Pm2Process } from "../src/pm2/daemon.ts";
import { createRestartTracker, renderSnapshot } from "../src/pm2/snapshot.ts";

const port = Number(process.argv[2]);
const client = new Client({ conf: { ...constants, ...paths(process.env.PM2_HOME) } });
let processes: Pm2Process[] = [];
let inFlight = false;
let again = false;

function refresh() {
  if (inFlight) return void (again = true);
  inFlight = true;
  client.client!.call("getMonitorData", {}, (err, list) => {
    if (!err) processes = (list as Pm2Process[]).map(kept);
    inFlight = false;
    if (again) {
      again = false;
      refresh();
    }
  });
}

client.launchRPC((err) => {
  if (err) throw err;
  client.launchBus((e, bus) => {
    if (e) throw e;
    bus.on("process:event", refresh);
    refresh();
    setInterval(refresh, 5000);
    const app = express();
    const restarts = createRestartTracker();
    const unstable = createRestartTracker();
    app.get("/metrics", (_req, res) => {
      res.type("text/plain").send(
        renderSnapshot({
          up: true,
          processes,
          refreshErrors: 0,
          lastRefresh: Date.now(),
          refreshSeconds: 0,
          appMetrics: true,
          restarts,
          unstable,
          now: Date.now(),
        }),
      );
    });
    app.get("/healthz", (_req, res) => void res.send("ok"));
    app.listen(port, "127.0.0.1");
  });
});
