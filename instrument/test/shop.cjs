// A team's Express app as it is, knowing nothing of OpsDeck: the preload test runs it under PM2
// in cluster mode with OpsDeck's preload in node_args.
const express = require("express");

const logger = require("pino")();

const app = express();
app.get("/products/:id", (req, res) => res.json({ id: req.params.id }));
app.post("/checkout", (req, res) => {
  if (req.query.fail) return res.status(503).json({ error: "payment gateway unavailable" });
  res.status(201).json({ ok: true });
});
app.get("/slow", (req, res) => setTimeout(() => res.send("done"), Number(req.query.ms ?? 300)));
// Exceptions: one thrown in a handler, one handed to next() in a router; the team's first error
// handler passes each on to the second, which answers.
app.post("/reserve", () => {
  throw new RangeError("sku 42 out of stock");
});
class GatewayError extends Error {
  name = "GatewayError";
}
const api = express.Router();
api.post("/pay", (_req, _res, next) => next(new GatewayError("gateway timeout")));
app.use("/api", api);
// node-postgres with a pool of one: a second request at once waits for the connection.
// (Its name in the metrics comes from host, port and database; a connectionString leaves them unknown.)
const pool = process.env.PG_POOL && new (require("pg").Pool)({ ...JSON.parse(process.env.PG_POOL), max: 1 });
app.get("/orders/:id", async (_req, res, next) => {
  try {
    await pool.query("SELECT pg_sleep(1.5)");
    res.send("order");
  } catch (err) {
    next(err);
  }
});
app.get("/log", (req, res) => {
  console.log(`INFO looked up ${req.query.sku}`);
  logger.warn({ sku: req.query.sku }, "stock low");
  res.send("logged");
});
app.use((err, _req, _res, next) => next(err));
app.use((err, _req, res, _next) => res.status(502).send(err.message));
console.log("INFO started, outside any request");
app.listen(Number(process.env.PORT), "127.0.0.1");
