// What a person checks on a page, as functions the browser tests call: nothing wider than the
// screen, no console error, and (in Chinese) no English word left untranslated.
import { readFileSync } from "node:fs";
import type { Page } from "playwright-core";

/** Debian's wamerican word list (scripts/setup.sh --test installs it), lower-cased. */
const WORDS_FILE = "/usr/share/dict/american-english";
let words: Set<string> | undefined;
export function englishWords(): Set<string> {
  words ??= new Set(
    readFileSync(WORDS_FILE, "utf8")
      .split("\n")
      .filter((w) => /^[A-Za-z]{2,}$/.test(w))
      .map((w) => w.toLowerCase()),
  );
  return words;
}

/**
 * Words a zh-CN page may say in English: product names (ours and the tools it runs), units and
 * abbreviations an engineer reads as they are, and the language switch, which names English.
 */
const ALLOWED = new Set(
  [
    "OpsDeck",
    "Prometheus",
    "Alertmanager",
    "Grafana",
    "Kibana",
    "Elasticsearch",
    "Filebeat",
    "DingTalk",
    "WeCom",
    "Webhook",
    "CPU",
    "DORA",
    "GMV",
    "CI",
    "API",
    "NDJSON",
    "CSV",
    "JSON",
    "MB",
    "ms",
    "KiB",
    "MiB",
    "GiB",
    "English",
  ].map((w) => w.toLowerCase()),
);

/**
 * The English dictionary words in the page's own text. Not checked: what the page marks as not
 * to be translated (translate="no": host, app and project names, rule text, log lines), code,
 * and words joined to others by - _ . / : = (identifiers, metric names, paths).
 */
export async function untranslatedWords(page: Page): Promise<string[]> {
  const text = await page.evaluate(() => {
    const out: string[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const parent = node.parentElement;
      if (!parent || parent.closest('[translate="no"], code, pre, script, style, noscript, next-route-announcer'))
        continue;
      out.push(node.textContent ?? "");
    }
    return out.join(" ");
  });
  const dictionary = englishWords();
  const found = text
    .split(/[^A-Za-z0-9_\-./:=@#~%]+/)
    .filter((w) => /^[A-Za-z]{2,}$/.test(w))
    .filter((w) => dictionary.has(w.toLowerCase()) && !ALLOWED.has(w.toLowerCase()));
  return [...new Set(found)];
}

/**
 * Elements that stick out past the viewport's right edge, outside any container that scrolls
 * or clips sideways (a wide table scrolling inside itself is fine), and whether the page
 * itself scrolls sideways.
 */
export async function overflow(page: Page): Promise<{ pageScrolls: boolean; sticking: string[] }> {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const sticking: string[] = [];
    for (const el of document.body.querySelectorAll("*")) {
      const box = el.getBoundingClientRect();
      if (box.width === 0 || box.right <= width + 1) continue;
      let clipped = false;
      for (let p = el.parentElement; p && p !== document.body; p = p.parentElement)
        if (getComputedStyle(p).overflowX !== "visible") {
          clipped = true;
          break;
        }
      if (!clipped)
        sticking.push(`${el.tagName.toLowerCase()}.${el.className} (right edge ${Math.round(box.right)}px)`);
    }
    return { pageScrolls: document.documentElement.scrollWidth > width + 1, sticking: sticking.slice(0, 5) };
  });
}

/** Collects the page's console errors and uncaught exceptions from now on. */
export function consoleErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(e.message));
  return errors;
}
