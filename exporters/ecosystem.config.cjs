// Running the OpsDeck exporters under PM2 in production (after `npm ci && npm run build`):
//   OPSDECK_CONFIG=/etc/opsdeck/opsdeck.yml pm2 start exporters/ecosystem.config.cjs && pm2 save
// Tokens come from the environment PM2 was started with (OPSDECK_DEPLOY_TOKEN, ...).
const path = require("node:path");

const bundle = path.join(__dirname, "..", "dist", "exporter.mjs");
const config = process.env.OPSDECK_CONFIG || path.join(__dirname, "..", "opsdeck.yml");

module.exports = {
  apps: ["pm2", "deploy", "business"].map((kind) => ({
    name: `opsdeck-${kind}-exporter`,
    script: bundle,
    args: [kind, "--config", config],
    // The same flags as stack/src/services.ts (why: there).
    node_args: ["--max-semi-space-size=2", "--heap-growing-percent=30"],
    // Not a cluster: each exporter owns its journal and port.
    exec_mode: "fork",
    instances: 1,
    max_memory_restart: "300M",
    kill_timeout: 5000,
  })),
};
