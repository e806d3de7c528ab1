// Replacing a file so that a reader (or a crash) sees the old content or the new, never half:
// write a temporary file beside it, fsync it, rename it over, fsync the directory.
import { closeSync, fsyncSync, openSync, renameSync, writeFileSync } from "node:fs";
import { open, rename } from "node:fs/promises";
import { dirname } from "node:path";

export function fsyncPath(path: string) {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Returns once the new content is on disk under `path`. */
export function replaceFile(path: string, content: string, mode = 0o644) {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, content, { mode });
  fsyncPath(tmp);
  renameSync(tmp, path);
  fsyncPath(dirname(path));
}

/**
 * `replaceFile` without blocking the event loop: for a large file written while requests keep
 * arriving (a journal's snapshot), whose fsyncs would otherwise stall every one of them. The
 * content may come in pieces, written in turn (a large state need not be one string).
 */
export async function replaceFileAsync(path: string, content: string | string[], mode = 0o644) {
  const tmp = `${path}.tmp`;
  const file = await open(tmp, "w", mode);
  try {
    if (typeof content === "string") await file.writeFile(content);
    else
      for (let from = 0; from < content.length;) {
        // A megabyte or so per write: thousands of small writes would each be a trip to the pool.
        let to = from;
        for (let size = 0; to < content.length && size < 1 << 20; to++) size += content[to].length;
        await file.write(content.slice(from, to).join(""));
        from = to;
      }
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(tmp, path);
  const dir = await open(dirname(path), "r");
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}
