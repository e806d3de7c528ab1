// PM2 apps of the demo shop that `npm start` runs (PM2_HOME=.opsdeck/pm2).
const path = require("node:path");

module.exports = {
  apps: [
    {
      name: "demo-shop",
      script: path.join(__dirname, "shop.cjs"),
      instances: 2,
      exec_mode: "cluster",
      env: {
        OPSDECK_BUSINESS_URL: `http://127.0.0.1:${process.env.OPSDECK_BUSINESS_PORT || 9471}`,
        OPSDECK_BUSINESS_TOKEN: process.env.OPSDECK_BUSINESS_TOKEN,
      },
    },
    { name: "demo-worker", script: path.join(__dirname, "worker.cjs"), restart_delay: 2000 },
  ],
};
