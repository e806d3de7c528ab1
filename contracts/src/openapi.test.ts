// The OpenAPI documents describe the same shapes as the contracts: every property, whether it
// is required, its type, format and allowed values, all the way down.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { z } from "zod";
import { deployStatsSchema, deployViewSchema, projectStatsSchema } from "./deploys.ts";
import { changeSummarySchema } from "./changes.ts";
import { channelViewSchema, deliveryViewSchema, notificationSummarySchema } from "./notifications.ts";
import { timelineSchema } from "./timeline.ts";

type JsonSchema = {
  $ref?: string;
  type?: string;
  format?: string;
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  additionalProperties?: JsonSchema | boolean;
  allOf?: JsonSchema[];
  oneOf?: JsonSchema[];
};

const docs = (file: string) =>
  parse(readFileSync(fileURLToPath(new URL(`../../docs/api/${file}`, import.meta.url)), "utf8")) as {
    components: { schemas: Record<string, JsonSchema> };
  };

/** Resolves $ref and merges allOf, so both sides compare as plain schemas. */
function resolve(schema: JsonSchema, components: Record<string, JsonSchema>): JsonSchema {
  if (schema.$ref) return resolve(components[schema.$ref.split("/").at(-1)!], components);
  if (!schema.allOf) return schema;
  const parts = schema.allOf.map((part) => resolve(part, components));
  return {
    type: "object",
    properties: Object.assign({}, ...parts.map((part) => part.properties)),
    required: parts.flatMap((part) => part.required ?? []),
  };
}

const typeOf = (schema: JsonSchema) => schema.type ?? (schema.enum ? "string" : undefined);

/** Every way `documented` differs from `contract`, as "path: what" lines. */
function differences(
  documented: JsonSchema,
  contract: JsonSchema,
  components: Record<string, JsonSchema>,
  path = "",
): string[] {
  const doc = resolve(documented, components);
  const out: string[] = [];
  const where = path || "(root)";
  if (typeOf(doc) !== typeOf(contract))
    out.push(`${where}: type ${typeOf(doc)} in the docs, ${typeOf(contract)} in the contract`);
  if ((doc.format ?? "") !== (contract.format ?? ""))
    out.push(`${where}: format ${doc.format} in the docs, ${contract.format} in the contract`);
  if (JSON.stringify([...(doc.enum ?? [])].sort()) !== JSON.stringify([...(contract.enum ?? [])].sort()))
    out.push(
      `${where}: values ${JSON.stringify(doc.enum)} in the docs, ${JSON.stringify(contract.enum)} in the contract`,
    );
  if (contract.properties) {
    const names = new Set([...Object.keys(doc.properties ?? {}), ...Object.keys(contract.properties)]);
    for (const name of names) {
      const inDocs = doc.properties?.[name];
      const inContract = contract.properties[name];
      if (!inDocs) out.push(`${path}${name}: missing from the docs`);
      else if (!inContract) out.push(`${path}${name}: in the docs, not in the contract`);
      else out.push(...differences(inDocs, inContract, components, `${path}${name}.`));
    }
    const required = (s: JsonSchema) => JSON.stringify([...(s.required ?? [])].sort());
    if (required(doc) !== required(contract))
      out.push(`${where}: required ${required(doc)} in the docs, ${required(contract)} in the contract`);
  }
  if (contract.items && doc.items) out.push(...differences(doc.items, contract.items, components, `${path}[].`));
  if (typeof contract.additionalProperties === "object") {
    if (typeof doc.additionalProperties !== "object") out.push(`${where}: the docs do not describe its values`);
    else out.push(...differences(doc.additionalProperties, contract.additionalProperties, components, `${path}*.`));
  }
  return out;
}

const cases: [string, string, z.ZodType][] = [
  ["openapi.yaml", "Deploy", deployViewSchema],
  ["openapi.yaml", "ProjectStats", projectStatsSchema],
  ["openapi.yaml", "DeployStats", deployStatsSchema],
  ["notifier.openapi.yaml", "NotificationSummary", notificationSummarySchema],
  ["notifier.openapi.yaml", "Delivery", deliveryViewSchema],
  ["notifier.openapi.yaml", "Channel", channelViewSchema],
  ["portal.openapi.yaml", "Timeline", timelineSchema],
  ["portal.openapi.yaml", "ChangeSummary", changeSummarySchema],
];

describe("the OpenAPI documents", () => {
  it.each(cases)("%s describes %s as its contract does", (file, name, schema) => {
    const { components } = docs(file);
    expect(components.schemas[name], `${file} has no schema ${name}`).toBeDefined();
    expect(differences(components.schemas[name], z.toJSONSchema(schema) as JsonSchema, components.schemas)).toEqual([]);
  });
});
