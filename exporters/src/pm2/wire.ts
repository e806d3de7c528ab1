// PM2's daemon protocol, read as a stream: axon's frames ("amp": a byte holding the version and
// the number of arguments, then each argument as a 32-bit big-endian length and its bytes; a
// JSON argument is "j:" + JSON, a string "s:" + text). pm2's own client buffers a whole frame and
// parses all of it — with 500 processes, getMonitorData's answer is ~15 MB of JSON, every
// process's whole environment included, parsed into objects several times that size. Read here
// as it arrives instead: the bus's event payloads are skipped unread (a topic is all the exporter
// needs), and the process list is cut into one process at a time, so only one process's JSON is
// ever parsed at once (docs/benchmarks.md: the exporter's memory at 500 processes).

const AMP_VERSION = 1;

/** What a frame reader hands on: each argument's bytes as they arrive, then its end. */
export interface FrameHandler {
  /** Called before an argument's bytes; return false to skip them unread. */
  argument(index: number, length: number): boolean;
  data(index: number, chunk: Buffer): void;
  end(index: number): void;
  /** The frame is complete. */
  frame(): void;
}

/** Feeds bytes from a socket through axon's framing; `push` may be called with any split. */
export function frameReader(handler: FrameHandler) {
  let pending: Buffer = Buffer.alloc(0); // header bytes not yet complete
  let argc = -1; // arguments in this frame; -1: waiting for its first byte
  let index = 0; // the argument being read
  let left = -1; // its bytes still to come; -1: waiting for its length
  let wanted = false;
  return (chunk: Buffer) => {
    let at = 0;
    while (at < chunk.length) {
      if (argc < 0) {
        const meta = chunk[at++];
        if (meta >> 4 !== AMP_VERSION) throw new Error(`not an axon frame (version ${meta >> 4})`);
        argc = meta & 0xf;
        index = 0;
        left = -1;
        if (argc === 0) {
          argc = -1;
          handler.frame();
        }
        continue;
      }
      if (left < 0) {
        const need = 4 - pending.length;
        const take = chunk.subarray(at, at + need);
        at += take.length;
        pending = pending.length ? Buffer.concat([pending, take]) : Buffer.from(take);
        if (pending.length < 4) continue;
        left = pending.readUInt32BE(0);
        pending = Buffer.alloc(0);
        wanted = handler.argument(index, left);
      }
      const take = chunk.subarray(at, at + left);
      at += take.length;
      left -= take.length;
      if (wanted && take.length) handler.data(index, take);
      if (left > 0) continue;
      if (wanted) handler.end(index);
      index++;
      left = -1;
      if (index === argc) {
        argc = -1;
        handler.frame();
      }
    }
  };
}

/** One frame of JSON and string arguments, as axon encodes them. */
export function encodeFrame(args: (string | object)[]): Buffer {
  const parts = args.map((a) => Buffer.from(typeof a === "string" ? `s:${a}` : `j:${JSON.stringify(a)}`));
  const frame = Buffer.alloc(1 + parts.reduce((n, p) => n + 4 + p.length, 0));
  let at = frame.writeUInt8((AMP_VERSION << 4) | parts.length, 0);
  for (const p of parts) {
    at = frame.writeUInt32BE(p.length, at);
    at += p.copy(frame, at);
  }
  return frame;
}

/**
 * Cuts a stream of JSON text into the objects that open at `depth` (0: the top level), each
 * handed on whole; everything else is passed over. For getMonitorData's `{"args":[[{…},{…}]]}`
 * depth 3 is each process. UTF-8's multi-byte sequences never hold the ASCII quote, backslash
 * or brackets it watches for.
 */
export function objectSplitter(depth: number, onObject: (json: Buffer) => void) {
  let level = 0;
  let inString = false;
  let escaped = false;
  let parts: Buffer[] = [];
  let from = -1; // where the current object began in this chunk; -1: not in one
  return (chunk: Buffer) => {
    if (level > depth) from = 0; // an object goes on from the last chunk
    // Strings (most of the bytes: environments) are passed over with indexOf, not byte by byte.
    let backslash = chunk.indexOf(0x5c);
    for (let i = 0; i < chunk.length; i++) {
      if (inString) {
        if (escaped) {
          escaped = false;
          continue;
        }
        const quote = chunk.indexOf(0x22, i);
        if (backslash !== -1 && backslash < i) backslash = chunk.indexOf(0x5c, i);
        if (backslash !== -1 && (quote === -1 || backslash < quote)) {
          i = backslash; // the next byte is escaped
          escaped = true;
        } else if (quote === -1) break;
        else {
          i = quote;
          inString = false;
        }
        continue;
      }
      const b = chunk[i];
      if (b === 0x22) inString = true;
      else if (b === 0x7b || b === 0x5b) {
        if (b === 0x7b && level === depth) from = i;
        level++;
      } else if (b === 0x7d || b === 0x5d) {
        level--;
        if (b === 0x7d && level === depth) {
          parts.push(chunk.subarray(from, i + 1));
          onObject(parts.length === 1 ? parts[0] : Buffer.concat(parts));
          parts = [];
          from = -1;
        }
      }
    }
    if (from >= 0 && level > depth) parts.push(Buffer.from(chunk.subarray(from)));
  };
}
