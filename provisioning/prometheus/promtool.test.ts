// promtool on the committed Prometheus files: config and rules are valid, rule unit tests pass.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { promtool } from "../../exporters/test/helpers.ts";

const here = import.meta.dirname;
const ruleFiles = readdirSync(join(here, "rules"))
  .filter((f) => f.endsWith(".yml"))
  .map((f) => join(here, "rules", f));
const testFiles = readdirSync(join(here, "tests")).filter((f) => f.endsWith(".test.yml"));

describe("provisioning/prometheus", () => {
  it("prometheus.yml passes promtool check config (with its rules)", async () => {
    expect(await promtool(["check", "config", join(here, "prometheus.yml")])).toMatch(/SUCCESS/);
  });

  it.each(ruleFiles)("%s passes promtool check rules", async (file) => {
    expect(await promtool(["check", "rules", file])).toMatch(/SUCCESS/);
  });

  it.each(testFiles)("promtool test rules %s", async (file) => {
    expect(await promtool(["test", "rules", file], join(here, "tests"))).toMatch(/SUCCESS/);
  });
});
