// vitest globalSetup for the integration tests: one real Elasticsearch (the integ-test-zip
// distribution) for the whole run — it takes ~20 s to start, too long to pay per file. Each
// test file uses its own index prefix, so files never see each other's indices.
import type { TestProject } from "vitest/node";
import { freePort, startElasticsearch, type Proc } from "./index.ts";
import { tempDir } from "./testkit.ts";

declare module "vitest" {
  export interface ProvidedContext {
    elasticsearchUrl: string;
  }
}

let es: { proc: Proc; url: string } | undefined;

export async function setup(project: TestProject) {
  es = await startElasticsearch({ dir: tempDir("es"), port: await freePort(), heapMb: 768 });
  project.provide("elasticsearchUrl", es.url);
}

export async function teardown() {
  await es?.proc.stop(20_000);
}
