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
 * arriving (a journal's snapshot), whose fsyncs would otherwise stall every one of them.
 */
export async function replaceFileAsync(path: string, content: string, mode = 0o644) {
  const tmp = `${path}.tmp`;
  const file = await open(tmp, "w", mode);
  try {
    await file.writeFile(content);
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
