// The design system's promise, checked: every text colour (body, muted, accent and the five
// statuses) is readable on the panel and on the page background, in the light and the dark
// theme, at WCAG AA's 4.5:1 for normal text.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const css = readFileSync(new URL("./globals.css", import.meta.url), "utf8");

function variables(selector: string): Record<string, string> {
  const start = css.indexOf(`${selector} {`);
  const block = css.slice(start, css.indexOf("}", start));
  return Object.fromEntries([...block.matchAll(/--([\w-]+):\s*(#[0-9a-f]{6});/gi)].map((m) => [m[1], m[2]]));
}

/** WCAG 2 relative luminance of #rrggbb. */
function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

const contrast = (a: string, b: string) => {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
};

const TEXT = ["text", "muted", "accent", "ok", "warn", "crit", "info", "unknown"];

describe("the design system's colours", () => {
  const light = variables(":root");
  const dark = { ...light, ...variables(':root[data-theme="dark"]') };
  for (const [theme, colours] of [
    ["light", light],
    ["dark", dark],
  ] as const)
    it(`reads at 4.5:1 or better in the ${theme} theme`, () => {
      const weak = TEXT.flatMap((name) =>
        ["panel", "bg"].flatMap((ground) => {
          const ratio = contrast(colours[name], colours[ground]);
          return ratio < 4.5 ? [`--${name} on --${ground}: ${ratio.toFixed(2)}`] : [];
        }),
      );
      expect(weak).toEqual([]);
    });
  it("reads a status on its own tinted background too", () => {
    for (const colours of [light, dark])
      for (const [fg, bg] of [
        ["crit", "crit-bg"],
        ["warn", "warn-bg"],
        ["ok", "ok-bg"],
      ])
        expect(contrast(colours[fg], colours[bg]), `${fg} on ${bg}`).toBeGreaterThanOrEqual(4.5);
  });
  it("finds the variables it checks (a renamed one would pass unseen)", () => {
    for (const name of [...TEXT, "panel", "bg"]) {
      expect(light[name], name).toMatch(/^#/);
      expect(variables(':root[data-theme="dark"]')[name], name).toMatch(/^#/);
    }
  });
});
