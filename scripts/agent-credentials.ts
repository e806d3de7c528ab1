// `npm run agent-credentials`: prints the web config an agent host needs (README, "Add a
// server"): Prometheus' user with the bcrypt hash of the agents' password. The password is
// OPSDECK_AGENT_PASSWORD when set (npm start keeps it in .opsdeck/secrets.env, compose in .env),
// else read at the prompt or from stdin. Only the hash leaves this server.
import { hashAgentPassword } from "@opsdeck/core/hosts/web-config";
import { readPassword } from "./read-password.ts";

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
