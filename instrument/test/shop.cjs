// A team's Express app as it is, knowing nothing of OpsDeck: the preload test runs it under PM2
// in cluster mode with OpsDeck's preload in node_args.
const express = require("express");

const app = express();
app.get("/products/:id", (req, res) => res.json({ id: req.params.id }));
app.post("/checkout", (req, res) => {
  if (req.query.fail) return res.status(503).json({ error: "payment gateway unavailable" });
  res.status(201).json({ ok: true });
});
app.get("/slow", (_req, res) => setTimeout(() => res.send("done"), 300));
app.listen(Number(process.env.PORT), "127.0.0.1");
