/// <reference lib="dom" />
// The browser script (served as /rum.js, web-vitals inside): a page that loads it with
// `<script src="/ingest/rum.js" data-app="shop" async>` reports its LCP, INP, CLS, FCP and TTFB
// in one beacon when the page is hidden (or every 10 metrics), to the same origin. What it
// sends: the site's name, the page's path (matched to a route template by the exporter and
// dropped), a device class from the viewport, and each metric's id, value and navigation type.
import { onCLS, onFCP, onINP, onLCP, onTTFB, type Metric } from "web-vitals";

/** Replaced by the exporter with exporters.business.rum.sample_rate when it serves the script. */
const SAMPLE_RATE = Number("__OPSDECK_RUM_SAMPLE_RATE__");

const script = document.currentScript as HTMLScriptElement | null;
const app = script?.dataset.app ?? "";
const endpoint = script?.dataset.endpoint ?? "/ingest/rum";

function deviceClass(): "mobile" | "tablet" | "desktop" {
  const width = Math.min(window.innerWidth, screen.width);
  if (width < 768) return "mobile";
  return width < 1200 && navigator.maxTouchPoints > 0 ? "tablet" : "desktop";
}

if (app && Math.random() < SAMPLE_RATE) {
  const queue: Metric[] = [];
  const device = deviceClass();
  const flush = () => {
    if (!queue.length) return;
    const body = JSON.stringify({
      app,
      path: location.pathname,
      device,
      metrics: queue
        .splice(0, 10)
        .map((m) => ({ name: m.name, id: m.id, value: m.value, navigation: m.navigationType })),
    });
    if (!navigator.sendBeacon?.(endpoint, body)) void fetch(endpoint, { method: "POST", body, keepalive: true });
  };
  const add = (metric: Metric) => {
    queue.push(metric);
    if (queue.length >= 10) flush();
  };
  onLCP(add);
  onINP(add);
  onCLS(add);
  onFCP(add);
  onTTFB(add);
  // Added after web-vitals' own listeners, so the metrics it reports on hiding are in the queue.
  addEventListener("visibilitychange", () => {
    if (document.visibilityState === "hidden") flush();
  });
}
