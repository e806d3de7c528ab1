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
/** The page's own words: its text but what is marked translate="no" (names, data) and code. */
function ownText(page: Page): Promise<string> {
  return page.evaluate(() => {
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
}

export async function untranslatedWords(page: Page): Promise<string[]> {
  const text = await ownText(page);
  const dictionary = englishWords();
  const found = text
    .split(/[^A-Za-z0-9_\-./:=@#~%]+/)
    .filter((w) => /^[A-Za-z]{2,}$/.test(w))
    .filter((w) => dictionary.has(w.toLowerCase()) && !ALLOWED.has(w.toLowerCase()));
  return [...new Set(found)];
}

/** Chinese in the page's own words (an English page's language switch says 中文). */
export async function chineseWords(page: Page): Promise<string[]> {
  return (await ownText(page)).match(/[\u4e00-\u9fff]+/g) ?? [];
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

/**
 * What makes a page unreadable though nothing overflows: a status word broken one character per
 * line, and on a phone a nav item out of reach, a text column a few characters wide (a log line
 * in fifteen rows of fragments), a table whose first (key) column is off-screen.
 */
export async function layoutProblems(page: Page, phone: boolean): Promise<string[]> {
  return page.evaluate((phone) => {
    const width = document.documentElement.clientWidth;
    const problems: string[] = [];
    const name = (el: Element) =>
      `${el.tagName.toLowerCase()}${el.className ? `.${String(el.className).split(" ")[0]}` : ""} "${(el.textContent ?? "").trim().slice(0, 30)}"`;
    const visible = (el: Element) => {
      const box = el.getBoundingClientRect();
      return box.width > 0 && box.height > 0;
    };
    /** How many lines an element's text takes: its text nodes' line boxes, told apart by their tops. */
    const lines = (el: Element) => {
      const tops: number[] = [];
      const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const range = document.createRange();
        range.selectNodeContents(node);
        for (const r of range.getClientRects()) if (r.width > 0) tops.push(r.top);
      }
      tops.sort((a, b) => a - b);
      return tops.filter((top, i) => i === 0 || top - tops[i - 1] > 4).length;
    };
    // A status word (a pill, or a cell holding one short word — no space or hyphen to break at,
    // one element inside at most, so not two buttons side by side) on more than one line.
    const words = [...document.querySelectorAll("main .pill, main td, main th")].filter((el) => {
      const text = (el.textContent ?? "").trim();
      return (
        visible(el) &&
        el.querySelectorAll("*").length <= 1 &&
        text.length > 1 &&
        text.length <= 20 &&
        !/[\s\-/]/.test(text)
      );
    });
    for (const el of words) if (lines(el) > 1) problems.push(`word broken across lines: ${name(el)}`);
    if (!phone) return problems;
    // Every nav item on screen, without scrolling the bar.
    for (const a of document.querySelectorAll("header.top nav a")) {
      const box = a.getBoundingClientRect();
      if (box.left < 0 || box.right > width + 1) problems.push(`nav item off-screen: ${name(a)}`);
    }
    for (const table of document.querySelectorAll("main table")) {
      if (!visible(table)) continue;
      for (const row of [...table.querySelectorAll("tbody tr")].slice(0, 20)) {
        const cells = [...row.children].filter(visible);
        if (!cells.length) continue;
        // The first (key) column is on screen without scrolling the table.
        const first = cells[0].getBoundingClientRect();
        if (first.left < 0 || first.right > width + 1) problems.push(`key column off-screen: ${name(cells[0])}`);
        // No text column narrower than about ten characters for a text longer than that.
        for (const cell of cells) {
          const text = (cell.textContent ?? "").trim();
          if (text.length > 16 && /\S{6}/.test(text) && cell.getBoundingClientRect().width < 80)
            problems.push(
              `text column too narrow (${Math.round(cell.getBoundingClientRect().width)}px): ${name(cell)}`,
            );
        }
      }
    }
    // A log line gets most of the row.
    for (const msg of document.querySelectorAll("table.logs td.msg")) {
      const row = msg.closest("tr")!.getBoundingClientRect();
      if (visible(msg) && msg.getBoundingClientRect().width < row.width * 0.8)
        problems.push(`log message narrower than 80% of its row: ${name(msg)}`);
    }
    return [...new Set(problems)].slice(0, 8);
  }, phone);
}
