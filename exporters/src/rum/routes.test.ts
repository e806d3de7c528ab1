import { describe, expect, it } from "vitest";
import { routeMatcher } from "./routes.ts";

describe("a page's route template", () => {
  const routeOf = routeMatcher(["/", "/products/:id", "/orders/:id/items", "/help.html"]);

  it("is the first template the path matches, with or without a trailing slash", () => {
    expect(routeOf("/")).toBe("/");
    expect(routeOf("/products/42")).toBe("/products/:id");
    expect(routeOf("/products/42/")).toBe("/products/:id");
    expect(routeOf("/orders/7/items")).toBe("/orders/:id/items");
    expect(routeOf("/help.html")).toBe("/help.html");
  });

  it("is other for anything else: a deeper path, a literal's look-alike", () => {
    expect(routeOf("/products/42/reviews")).toBe("other");
    expect(routeOf("/products")).toBe("other");
    expect(routeOf("/helpxhtml")).toBe("other");
    expect(routeOf("/orders//items")).toBe("other");
  });
});
