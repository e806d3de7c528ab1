// PM2 apps of the demo shop that `npm start` runs (PM2_HOME=.opsdeck/pm2). Their logs use two
// of PM2's formats, so Filebeat's handling of both is seen on a fresh stack: the shop's lines are
// prefixed with PM2's timestamp (`time`), the worker's are PM2's JSON lines (`log_type: json`).
const path = require("node:path");

module.exports = {
  apps: [
    {
      name: "demo-shop",
      script: path.join(__dirname, "shop.cjs"),
      instances: 2,
      exec_mode: "cluster",
      time: true,
      // OpsDeck's preload: its request metrics, with no code in the shop (README, "Request metrics").
      node_args: `--require ${path.join(__dirname, "../dist/instrument.cjs")}`,
      env: {
        PORT: process.env.OPSDECK_DEMO_SHOP_PORT || "8097",
        OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `http://127.0.0.1:${process.env.OPSDECK_PROMETHEUS_PORT || 9090}/api/v1/otlp/v1/metrics`,
        OPSDECK_BUSINESS_URL: `http://127.0.0.1:${process.env.OPSDECK_BUSINESS_PORT || 9471}`,
        OPSDECK_BUSINESS_TOKEN: process.env.OPSDECK_BUSINESS_TOKEN,
        // The front door its pages load the page-load script from (unset: no script).
        OPSDECK_FRONT_DOOR_URL: process.env.OPSDECK_FRONT_DOOR_URL,
      },
    },
    { name: "demo-worker", script: path.join(__dirname, "worker.cjs"), restart_delay: 2000, log_type: "json" },
  ],
};
