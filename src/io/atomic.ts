/**
 * Atomic file replacement: write a temp file in the target's directory, fsync it, rename it over the target, fsync
 * the directory. rename(2) within one file system is atomic, so a reader (or a run restarted after a crash) sees
 * either the old file or the complete new one, never a torn mix. The temp file lives in the same directory because a
 * rename across file systems is a copy, not atomic.
 */
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { threadId } from 'node:worker_threads';

/** Test hooks: `beforeRename` runs after the temp file is complete and synced, just before the rename. */
export interface AtomicWriteOptions {
  readonly beforeRename?: (tempPath: string) => void;
}

let counter = 0;

/** The temp-file prefix used next to `path`; stale temp files left by a crash start with it. */
export function tempPrefix(path: string): string {
  return `.${basename(path)}.tmp-`;
}

/** Replaces `path` atomically with `bytes` (see the module comment). On error the temp file is removed. */
export function writeFileAtomic(path: string, bytes: Uint8Array | string, options: AtomicWriteOptions = {}): void {
  if (typeof path !== 'string' || path === '') throw new TypeError('path must be a non-empty string');
  const dir = dirname(path);
  // pid, thread and a counter: unique among concurrent writers of this process and its worker threads.
  const temp = join(dir, `${tempPrefix(path)}${process.pid}-${threadId}-${counter++}`);
  const data = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes;
  // 'wx': never follow or clobber an existing file under the temp name.
  const fd = openSync(temp, 'wx', 0o644);
  let renamed = false;
  try {
    try {
      let written = 0;
      while (written < data.length) written += writeSync(fd, data, written, data.length - written);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    options.beforeRename?.(temp);
    renameSync(temp, path);
    renamed = true;
  } finally {
    if (!renamed) {
      try { unlinkSync(temp); } catch { /* already gone */ }
    }
  }
  fsyncDirectory(dir);
}

/** fsyncs a directory so the rename itself is durable; platforms that cannot (Windows) skip it. */
function fsyncDirectory(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, 'r');
  } catch {
    return;
  }
  try {
    fsyncSync(fd);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EPERM' && code !== 'EISDIR' && code !== 'EBADF' && code !== 'ENOTSUP') throw e;
  } finally {
    closeSync(fd);
  }
}
