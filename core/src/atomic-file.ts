// Replacing a file so that a reader (or a crash) sees the old content or the new, never half:
// write a temporary file beside it, fsync it, rename it over, fsync the directory.
import { closeSync, fsyncSync, openSync, renameSync, writeFileSync } from "node:fs";
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
