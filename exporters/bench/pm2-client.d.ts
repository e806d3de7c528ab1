// pm2's own RPC client, which the memory benchmark's comparison reads the daemon with.
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
