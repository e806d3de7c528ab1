// pm2's own RPC client, used directly so the exporter never launches a daemon (pm2.connect would).
declare module "pm2/lib/Client.js" {
  interface AxonSocket {
    on(event: string, fn: (...args: unknown[]) => void): void;
    close(): void;
  }
  class Client {
    constructor(opts: { conf: Record<string, unknown> });
    client?: {
      call(method: string, arg: unknown, cb: (err: Error | null, data: unknown) => void): void;
      sock: AxonSocket;
    };
    client_sock?: AxonSocket;
    sub?: { on(event: string, fn: (data: unknown) => void): void };
    sub_sock?: AxonSocket;
    launchRPC(cb: (err?: Error | null) => void): void;
    launchBus(cb: (err: Error | null, bus: { on(event: string, fn: (data: unknown) => void): void }) => void): void;
  }
  export default Client;
}
declare module "pm2/constants.js" {
  const constants: Record<string, unknown>;
  export default constants;
}
declare module "pm2/paths.js" {
  function paths(
    home?: string,
  ): Record<string, unknown> & { DAEMON_RPC_PORT: string; DAEMON_PUB_PORT: string; PM2_HOME: string };
  export default paths;
}
