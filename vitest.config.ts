import { defineConfig } from "vitest/config";

// Unit tests run in parallel; integration tests start real servers (Prometheus, PM2, the
// exporters) and run one file at a time so two cores are not oversubscribed.
export default defineConfig({
  test: {
    // Integration tests run the bundled services, as production does; bundle them first.
    globalSetup: ["scripts/build.ts"],
    projects: [
      {
        test: {
          name: "unit",
          include: [
            "core/src/**/*.test.ts",
            "contracts/src/**/*.test.ts",
            "stack/src/**/*.test.ts",
            "exporters/src/**/*.test.ts",
            "instrument/src/**/*.test.ts",
            "alertmanager/notifier/src/**/*.test.ts",
            "portal/src/**/*.test.ts",
            "filebeat/*.test.ts",
          ],
        },
      },
      {
        test: {
          name: "integration",
          include: [
            "*/test/**/*.test.ts",
            "alertmanager/**/test/**/*.test.ts",
            "provisioning/**/*.test.ts",
            "scripts/**/*.test.ts",
          ],
          // One real Elasticsearch for every file that needs it (stack/src/test-elasticsearch.ts).
          globalSetup: ["stack/src/test-elasticsearch.ts"],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
