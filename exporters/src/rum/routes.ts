// A page's path → the route template it counts under (configured per site, Express-style:
// /products/:id). Only the template becomes a label: the path itself is never kept.
export const OTHER_ROUTE = "other";

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

function templateRegex(template: string): RegExp {
  const segments = template.replace(/\/$/, "").split("/").slice(1);
  const body = segments.map((s) => (s.startsWith(":") ? "/[^/]+" : `/${escape(s)}`)).join("");
  return new RegExp(`^${body}/?$`);
}

/** The path's route matcher: the first template it matches, else "other". */
export function routeMatcher(templates: string[]): (path: string) => string {
  const compiled = templates.map((t) => [t, templateRegex(t)] as const);
  return (path) => {
    const bare = path.split(/[?#]/, 1)[0];
    return compiled.find(([, re]) => re.test(bare))?.[0] ?? OTHER_ROUTE;
  };
}
