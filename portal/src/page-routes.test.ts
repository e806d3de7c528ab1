// The portal's pages (src/app/**/page.tsx) are the route templates its page-load timings are
// counted under (PORTAL_ROUTES, exporters.business.rum's default): a page missing there would
// be counted as "other".
import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { PORTAL_ROUTES } from "@opsdeck/core";

const APP = join(import.meta.dirname, "app");

function pages(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? pages(join(dir, e.name)) : e.name === "page.tsx" ? [dir] : [],
  );
}

describe("the portal's route templates", () => {
  it("are its pages, [param] as :param", () => {
    const templates = pages(APP).map(
      (dir) => `/${relative(APP, dir)}`.replace(/\[(\w+)\]/g, ":$1").replace(/\/$/, "") || "/",
    );
    expect(templates.sort()).toEqual([...PORTAL_ROUTES].sort());
  });
});
