// A small demo shop run under PM2 by `npm start`: it serves a few pages (Express, on the port
// opsdeck.yml's stack.demo_shop gives it) and plays its own shoppers against them, so OpsDeck's
// preload has requests to measure; it reports its own @pm2/io metrics and sends business events
// (orders, payments, sign-ups...) to the business exporter, so a new user sees real numbers
// everywhere on first run, and logs what a shop logs (orders, slow payments, failed payments with
// their stack traces), which Filebeat ships to the Logs page.
const { randomUUID } = require("node:crypto");

const BUSINESS_URL = process.env.OPSDECK_BUSINESS_URL;
const TOKEN = process.env.OPSDECK_BUSINESS_TOKEN;

let io;
try {
  io = require("@pm2/io");
} catch {
  io = undefined; // not under PM2's node_modules: run without custom metrics
}
const ordersMeter = io?.meter({ name: "orders", unit: "req/min" });
const queueDepth = io?.metric({ name: "payment queue depth" });

const pick = (xs) => xs[Math.floor(Math.random() * xs.length)];
const channels = ["web", "app", "miniprogram"];

function batch() {
  const events = [];
  const n = 1 + Math.floor(Math.random() * 5);
  for (let i = 0; i < n; i++) {
    const channel = pick(channels);
    events.push({ metric: "shop_checkouts_started_total", labels: { channel }, event_id: randomUUID() });
    if (Math.random() < 0.6) {
      const ok = Math.random() < 0.95;
      const method = pick(["alipay", "wechat", "card"]);
      const order = randomUUID().slice(0, 8);
      if (!ok) console.error(paymentError(order, method).stack);
      else if (Math.random() < 0.1)
        console.warn(`WARN payment ${order} via ${method} took ${(2 + Math.random() * 6).toFixed(1)} s`);
      events.push({
        metric: "shop_payments_total",
        labels: { method, result: ok ? "success" : "failure" },
        event_id: randomUUID(),
      });
      if (ok) {
        events.push({ metric: "shop_orders_total", labels: { channel }, event_id: randomUUID() });
        events.push({
          metric: "shop_order_amount_yuan",
          value: Math.round(20 + Math.random() * 480),
          labels: { channel },
          event_id: randomUUID(),
        });
        ordersMeter?.mark();
        console.log(`INFO order ${order} paid via ${method} (${channel})`);
      }
    }
  }
  if (Math.random() < 0.3)
    events.push({ metric: "shop_signups_total", labels: { channel: pick(channels) }, event_id: randomUUID() });
  if (Math.random() < 0.05) events.push({ metric: "shop_refunds_total", event_id: randomUUID() });
  return events;
}

/** A failed payment as the gateway client would throw it: an Error with its stack. */
function paymentError(order, method) {
  const err = new Error(`payment ${order} via ${method} declined: gateway timeout after 5000 ms`);
  err.name = "PaymentError";
  return err;
}

async function report() {
  if (!BUSINESS_URL) return;
  try {
    const res = await fetch(`${BUSINESS_URL}/api/v1/events`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ events: batch() }),
      signal: AbortSignal.timeout(5000),
    });
    if (!res.ok) console.error(`business exporter answered ${res.status}: ${await res.text()}`);
  } catch (err) {
    console.error(`business exporter unreachable: ${err.message}`);
  }
  queueDepth?.set(Math.floor(Math.random() * 20));
}

// The pages: a product (a slow one now and then), and a checkout that fails as payments do.
const PORT = Number(process.env.PORT);
if (PORT) {
  const express = require("express");
  const shop = express();
  // Its pages load OpsDeck's page-load script from the front door, so browsers' timings are seen
  // (a real site proxies /ingest/rum.js and /ingest/rum on its own origin instead).
  const front = process.env.OPSDECK_FRONT_DOOR_URL;
  const rum = front
    ? `<script src="${front}/ingest/rum.js" data-app="demo-shop" data-endpoint="${front}/ingest/rum" async></script>`
    : "";
  const page = (body) => `<!doctype html><meta charset="utf-8"><title>Demo shop</title>${rum}${body}`;
  // Its button does a little work, as a cart update does: a tap on it is an interaction (INP).
  const cart =
    "<script>document.querySelector('button').onclick = () => { const t = performance.now(); " +
    "while (performance.now() - t < 80); document.title = 'Demo shop (1)'; };</script>";
  shop.get("/", (_req, res) => res.send(page(`<h1>Demo shop</h1><button>加入购物车</button>${cart}`)));
  shop.get("/products/:id", (req, res) => {
    const wait = Math.random() < 0.05 ? 400 + Math.random() * 800 : Math.random() * 30;
    // A browser gets the product's page; the shoppers' fetches (Accept: */*) its JSON.
    const html = req.accepts(["json", "html"]) === "html";
    setTimeout(
      () =>
        html
          ? res.send(page(`<h1>Product ${Number(req.params.id) || 0}</h1>`))
          : res.json({ id: req.params.id, price: 99 }),
      wait,
    );
  });
  shop.post("/api/checkout", (req, res, next) => {
    const order = randomUUID().slice(0, 8);
    // Logged during the request: OpsDeck's preload ends the line with the request's trace.id.
    console.log(`INFO checkout ${order} started`);
    // ?fail=1: a failed payment on demand (the tests' way to see one at once).
    if (req.query.fail || Math.random() < 0.03) return next(paymentError(order, "card"));
    res.status(201).json({ order });
  });
  // A failed payment surfaces as Express's error: counted by type (opsdeck_app_exceptions_total).
  shop.use((err, _req, res, _next) => {
    console.error(err.stack);
    res.status(503).json({ error: "payment gateway unavailable" });
  });
  shop.listen(PORT, "127.0.0.1");
}

/** A few shoppers' requests, as a browser would make them. */
async function shoppers() {
  const base = `http://127.0.0.1:${PORT}`;
  const visit = (path, method = "GET") =>
    fetch(base + path, { method, signal: AbortSignal.timeout(5000) }).then(
      (r) => r.arrayBuffer(),
      () => undefined,
    );
  for (let i = 0; i < 3; i++) await visit(`/products/${1 + Math.floor(Math.random() * 500)}`);
  if (Math.random() < 0.5) await visit("/api/checkout", "POST");
}

setInterval(report, 2000);
void report();
if (PORT) setInterval(() => void shoppers(), 1000);
