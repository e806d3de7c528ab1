# syntax=docker/dockerfile:1
# One OpsDeck image for every OpsDeck service of the compose stack: the bundles in dist/, the
# portal's production build and the npm packages they load; docker-compose.monitoring.yml picks
# the entry point per service (node dist/exporter.mjs deploy, dist/notifier.mjs, dist/portal-server.mjs,
# dist/init.mjs). Non-root; nothing but the built files and the provisioning the init job reads.
ARG NODE_IMAGE=node:20.19.5-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /opsdeck
COPY package.json package-lock.json ./
COPY core/package.json core/
COPY contracts/package.json contracts/
COPY stack/package.json stack/
COPY exporters/package.json exporters/
COPY alertmanager/notifier/package.json alertmanager/notifier/
COPY portal/package.json portal/
COPY instrument/package.json instrument/
RUN npm ci --no-audit --no-fund
COPY . .
RUN npx tsx scripts/build.ts \
  && (cd portal && npx next build) \
  && npm prune --omit=dev --no-audit --no-fund

# promtool, from the Prometheus image compose runs: the portal checks a rule file with it before
# saving it (the Rules page), with the same parser Prometheus loads it with.
FROM prom/prometheus:v3.16.0 AS prometheus

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
# Where the bundles find provisioning/ (a bundle's own import.meta.url no longer says).
ENV OPSDECK_HOME=/opsdeck
WORKDIR /opsdeck
COPY --from=build /opsdeck/package.json ./
COPY --from=build /opsdeck/node_modules node_modules
COPY --from=build /opsdeck/dist dist
COPY --from=build /opsdeck/portal/package.json /opsdeck/portal/next.config.ts portal/
COPY --from=build /opsdeck/portal/.next portal/.next
COPY --from=build /opsdeck/provisioning provisioning
COPY --from=build /opsdeck/alertmanager/alertmanager.yml alertmanager/
COPY --from=build /opsdeck/core/package.json core/
COPY --from=build /opsdeck/contracts contracts
COPY --from=prometheus /bin/promtool /usr/local/bin/promtool
# Every path a named volume is mounted at, owned by node: Docker gives a fresh volume the owner
# of the path in the image, and makes it root's where the image has none.
RUN mkdir -p /opsdeck/data /opsdeck/rendered/prometheus /opsdeck/rendered/alertmanager /opsdeck/rendered/targets /opsdeck/rendered/rules /opsdeck/rendered/probe-secrets /opsdeck/rendered/database-secrets/postgres /opsdeck/rendered/database-secrets/mysql /opsdeck/rendered/database-secrets/redis \
  && chown -R node:node /opsdeck/data /opsdeck/rendered
USER node
CMD ["node", "dist/portal-server.mjs"]
