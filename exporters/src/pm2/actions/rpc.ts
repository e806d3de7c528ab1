// One call to the PM2 daemon on a connection of its own, for an action: its answer (often the
// whole process list with every environment) is read only as far as the error it may start
// with, then dropped. The exporter's own link keeps serving scrapes meanwhile.
import paths from "pm2/paths.js";
import { daemonError, open, withTimeout } from "../daemon.ts";
import { encodeFrame, frameReader } from "../wire.ts";

const HEAD_BYTES = 4096;
let calls = 0;

export async function callDaemon(pm2Home: string | undefined, method: string, arg: unknown, timeoutMs: number) {
  const conf = paths(pm2Home ?? process.env.PM2_HOME);
  const socket = await open(conf.DAEMON_RPC_PORT, timeoutMs);
  try {
    await withTimeout<void>(timeoutMs, method, (done) => {
      let head = "";
      const read = frameReader({
        argument: (index) => index === 0,
        data: (_index, chunk) => {
          if (head.length < HEAD_BYTES) head += chunk.subarray(0, HEAD_BYTES - head.length).toString("utf8");
        },
        end: () => undefined,
        frame: () => done(daemonError(head)),
      });
      socket.on("data", (chunk: Buffer) => {
        try {
          read(chunk);
        } catch (err) {
          done(err as Error);
        }
      });
      socket.once("error", (err) => done(err));
      socket.once("close", () => done(new Error(`${method}: the daemon closed the connection`)));
      socket.write(encodeFrame([{ type: "call", method, args: [arg] }, `opsdeck-action:${calls++}`]));
    });
  } finally {
    socket.destroy();
  }
}
