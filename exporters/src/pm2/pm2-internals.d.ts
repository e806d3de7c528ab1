// pm2's own paths module (where its daemon's sockets are), used directly so the exporter never
// launches a daemon (pm2.connect would).
declare module "pm2/paths.js" {
  function paths(
    home?: string,
  ): Record<string, unknown> & { DAEMON_RPC_PORT: string; DAEMON_PUB_PORT: string; PM2_HOME: string };
  export default paths;
}
