// `npm run agent-credentials`: what an agent host needs (README, "Add a server").
//   (no argument)    the web config for its exporters: Prometheus' user with the bcrypt hash of
//                    the agents' password (OPSDECK_AGENT_PASSWORD when set — npm start keeps it
//                    in .opsdeck/secrets.env, compose in .env — else read at the prompt or stdin).
//   --push NAME      for a host in push mode: a new push token (for its Prometheus agent) and
//                    the hosts entry with the token's SHA-256. Listing the new hash revokes the old token.
//   --vantage NAME   for a vantage point (a host the central Prometheus scrapes, whose blackbox
//                    also runs probes): a new host token (for fetching its probe modules) and the
//                    hosts entry with its SHA-256 and blackbox_exporter.
//   --token NAME     for any other host: a new host token, for its apps' request metrics through
//                    the front door (the preload's OPSDECK_HOST_TOKEN), and the entry's SHA-256.
//   --actions NAME   for a host whose apps recovery actions may restart: the host's own action
//                    key, derived from the central OPSDECK_PM2_ACTIONS_KEY (nothing to add to
//                    the hosts entry; a new central key re-keys every host).
// Only hashes go into OpsDeck's lists; the password and tokens go to one place each.
import { hostActionKey } from "@opsdeck/core/actions/signed-request";
import { newPushToken } from "@opsdeck/core/hosts/push-auth";
import { hashAgentPassword } from "@opsdeck/core/hosts/web-config";
import { HOST_NAME } from "@opsdeck/core";
import { readPassword } from "./read-password.ts";

const option = ["--push", "--vantage", "--token", "--actions"].find((o) => process.argv.includes(o));
if (option === "--actions") {
  const name = process.argv[process.argv.indexOf(option) + 1] ?? "";
  const central = process.env.OPSDECK_PM2_ACTIONS_KEY ?? "";
  if (!HOST_NAME.test(name)) {
    console.error("usage: npm run agent-credentials -- --actions <host name>");
    process.exit(2);
  }
  if (central.length < 16) {
    console.error(
      "OPSDECK_PM2_ACTIONS_KEY is not set: export it from .opsdeck/secrets.env (npm start) or .env (compose) first",
    );
    process.exit(1);
  }
  console.log(`# The recovery-action key of ${name}: install-agent.sh --actions-key-file (mode 600), nowhere else.
OPSDECK_PM2_ACTIONS_KEY=${hostActionKey(central, name)}`);
} else if (option) {
  const name = process.argv[process.argv.indexOf(option) + 1] ?? "";
  if (!HOST_NAME.test(name)) {
    console.error(`usage: npm run agent-credentials -- ${option} <host name>`);
    process.exit(2);
  }
  const { token, sha256 } = newPushToken();
  const entry = {
    "--push": `{ name: ${name}, address: ${name}, mode: push, push_token_sha256: ${sha256} }`,
    "--vantage": `{ name: ${name}, address: <its address>, blackbox_exporter: 9115, push_token_sha256: ${sha256} }`,
    "--token": `{ name: ${name}, address: <its address>, push_token_sha256: ${sha256} }`,
  }[option];
  const where =
    option === "--token" ? "the apps' environment (OPSDECK_HOST_TOKEN)" : "the agent's token file (mode 600)";
  console.log(`# The token of ${name}: put it in ${where}, nowhere else.
${token}
# The hosts entry on the central server (opsdeck.yml hosts:, or the hosts file):
- ${entry}`);
} else {
  const password = process.env.OPSDECK_AGENT_PASSWORD || (await readPassword("agents' password: "));
  if (password.length < 16) {
    console.error("the agents' password must be at least 16 characters (opsdeck.yml agents.password)");
    process.exit(1);
  }
  const username = process.env.OPSDECK_AGENT_USERNAME || "prometheus";
  console.log(`# web.yml for an agent host: node-exporter's --web.config.file and the PM2 exporter's
# exporters.pm2.web_config_file. Holds only the password's hash.
basic_auth_users:
  ${username}: ${hashAgentPassword(password)}`);
}
