import type { NextConfig } from "next";

const config: NextConfig = {
  transpilePackages: ["@opsdeck/core", "@opsdeck/contracts"],
  // Loaded by Node, not bundled for React Server Components (it needs the full React).
  serverExternalPackages: ["@grafana/data", "@elastic/elasticsearch"],
  poweredByHeader: false,
  reactStrictMode: true,
  // The Content-Security-Policy is set per request in src/proxy.ts: it names the Grafana and
  // Kibana origins from opsdeck.yml, which a build-time header cannot know.
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "Referrer-Policy", value: "same-origin" },
        ],
      },
    ];
  },
};

export default config;
