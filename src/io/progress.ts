/**
 * Progress for long runs, on stderr: a bar redrawn in place with rate and ETA when the stream is a TTY, and plain
 * lines every `intervalMs` otherwise (CI logs, files), so a log never fills with carriage returns.
 *
 * Our own ~80 lines rather than a library (cli-progress, progress): we need one bar, rate, ETA, the TTY/plain switch,
 * an injectable clock and stream for tests, and resume offsets; the libraries add dependencies and none of them
 * prints sensible periodic plain lines when the stream is not a TTY.
 */

/** Where progress goes: process.stderr, or anything with `write` (tests). */
export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export interface ProgressOptions {
  /** Total number of steps (a positive integer). */
  readonly total: number;
  readonly label?: string;
  /** Steps already done (a resumed run): the rate counts only the steps done in this process. */
  readonly start?: number;
  readonly stream?: ProgressStream;
  /** Minimum milliseconds between plain lines (default 10 000) — TTY redraws are limited to every 100 ms. */
  readonly intervalMs?: number;
  /** Milliseconds clock (default performance.now). */
  readonly now?: () => number;
}

export interface Progress {
  /** Reports that `done` of `total` steps are complete; `note` (e.g. "ESS 0.83") is shown after the counts. */
  update(done: number, note?: string): void;
  /** Ends the display with a final line. */
  finish(note?: string): void;
}

/** h:mm:ss or m:ss. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  const mm = h > 0 ? String(m).padStart(2, '0') : String(m);
  return `${h > 0 ? `${h}:` : ''}${mm}:${String(r).padStart(2, '0')}`;
}

function formatRate(rate: number): string {
  if (!Number.isFinite(rate)) return '? it/s';
  return rate >= 100 ? `${rate.toFixed(0)} it/s` : rate >= 1 ? `${rate.toFixed(1)} it/s` : `${(1 / rate).toFixed(2)} s/it`;
}

export function createProgress(options: ProgressOptions): Progress {
  const { total, label = '', start = 0 } = options;
  if (!Number.isSafeInteger(total) || total <= 0) throw new RangeError(`options.total must be a positive integer, got ${total}`);
  if (!Number.isSafeInteger(start) || start < 0 || start > total) {
    throw new RangeError(`options.start must be an integer in [0, total], got ${start}`);
  }
  const intervalMs = options.intervalMs ?? 10_000;
  if (!(intervalMs >= 0)) throw new RangeError(`options.intervalMs must be ≥ 0, got ${intervalMs}`);
  const stream: ProgressStream = options.stream ?? process.stderr;
  const now = options.now ?? (() => performance.now());
  const tty = stream.isTTY === true;
  const t0 = now();
  let last = -Infinity;
  let done = start;
  let finished = false;

  const text = (note: string | undefined, withBar: boolean): string => {
    const seconds = (now() - t0) / 1000;
    const rate = seconds > 0 ? (done - start) / seconds : NaN;
    const eta = done >= total ? 0 : rate > 0 ? (total - done) / rate : NaN;
    const pct = ((100 * done) / total).toFixed(1);
    const head = label === '' ? '' : `${label} `;
    const counts = `${done}/${total} (${pct}%) ${formatRate(rate)} elapsed ${formatDuration(seconds)} ETA ${formatDuration(eta)}`;
    const tail = note === undefined || note === '' ? '' : ` ${note}`;
    if (!withBar) return `${head}${counts}${tail}`;
    const width = Math.max(10, Math.min(40, (stream.columns ?? 80) - 70));
    const filled = Math.round((width * done) / total);
    return `${head}[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${counts}${tail}`;
  };

  return {
    update(d, note) {
      if (finished) return;
      if (!Number.isFinite(d) || d < 0 || d > total) throw new RangeError(`done must be in [0, ${total}], got ${d}`);
      done = d;
      const t = now();
      if (t - last < (tty ? 100 : intervalMs)) return;
      last = t;
      stream.write(tty ? `\r${text(note, true)}\x1b[K` : `${text(note, false)}\n`);
    },
    finish(note) {
      if (finished) return;
      finished = true;
      stream.write(tty ? `\r${text(note, true)}\x1b[K\n` : `${text(note, false)}\n`);
    },
  };
}
