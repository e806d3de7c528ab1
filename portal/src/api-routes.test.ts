// Every API route Next serves (src/app/api/**/route.ts) is in the server's list with exactly the
// methods it exports: a route missing there is a JSON 404 in production (found when the
// maintenance API was added), and one listed with a method it lacks, a 405 it never gives.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { API } from "../api-routes.ts";

const APP_API = join(import.meta.dirname, "app/api");
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"];

function routeFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? routeFiles(join(dir, e.name)) : e.name === "route.ts" ? [join(dir, e.name)] : [],
  );
}

/** The methods a route file exports, directly or re-exported. */
function exportedMethods(file: string): string[] {
  const text = readFileSync(file, "utf8");
  // `export { GET, POST }` and `export { signInRedirect as GET }`: the name it is exported as.
  const named = [...text.matchAll(/export\s*\{([^}]*)\}/g)].flatMap((m) =>
    m[1].split(",").map((s) =>
      s
        .trim()
        .split(/\s+as\s+/)
        .at(-1)!,
    ),
  );
  const declared = [...text.matchAll(/export\s+(?:async\s+)?(?:function|const)\s+(\w+)/g)].map((m) => m[1]);
  return [...named, ...declared].filter((n) => METHODS.includes(n)).sort();
}

describe("the portal server's API list", () => {
  it("has every route file, with the methods it exports", () => {
    const files = routeFiles(APP_API);
    expect(files.length).toBeGreaterThan(10);
    const problems = files.flatMap((file) => {
      // A dynamic segment ([id]) stands for any one segment.
      const path = `/api/${relative(APP_API, file)
        .replace(/\/?route\.ts$/, "")
        .replace(/\[[^\]]+\]/g, "x")}`;
      const listed = API.find(([pattern]) => pattern.test(path))?.[1];
      const exported = exportedMethods(file);
      return JSON.stringify([...(listed ?? [])].sort()) === JSON.stringify(exported)
        ? []
        : [`${path}: exports ${exported.join(", ") || "nothing"}, listed ${listed?.join(", ") ?? "not at all"}`];
    });
    expect(problems).toEqual([]);
  });
});
