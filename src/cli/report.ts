/**
 * What a media-writing command tells the user, the same way for every command (clip, audio, fetch,
 * and any new one): warnings as they happen, a progress line on a terminal, and one closing line,
 * `wrote <path> (<summary>)`; `--quiet` keeps only errors, `--json` replaces all of it with one JSON
 * line (on stdout, or on stderr when stdout carries the media).
 */
import type { ReaderWarning } from '../warnings.js';
import type { CliIo } from './io.js';
import { progressLine } from './output.js';

/** The flags every media-writing command takes (spread them into the command's parseArgs options). */
export const REPORT_OPTIONS = {
  json: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
} as const;

/** Their usage text and help lines. */
export const REPORT_USAGE = '[--json] [--quiet]';
export const REPORT_HELP = `  --json            print one JSON line at the end: output, bytes, fragments, tracks, warnings
                    (on stdout; on stderr when -o - sends the media to stdout). No other output.
  -q, --quiet       print nothing but errors`;

/** What was written, for the closing line. */
export interface WrittenOutput {
  /** The output path, or '-' for stdout. */
  output: string;
  /** Bytes written. */
  bytes: number;
  /** Fragments (media segments) written, when the command knows. */
  fragments: number | null;
  /** The tracks' codec strings (e.g. avc1.64001f, mp4a.40.2), when known. */
  tracks: string[] | null;
  /** The rest of the closing line, e.g. `MP4, 202254 bytes`. */
  summary: string;
}

export interface Reporter {
  /** A warning: printed at once (kept for the JSON line under --json; dropped under --quiet). */
  warning: (warning: ReaderWarning) => void;
  /** Rewrites the progress line (a terminal only, never under --json or --quiet). */
  progress(text: string): void;
  /** Erases the progress line (before an error is printed). */
  clear(): void;
  /** The closing line. */
  done(written: WrittenOutput): void;
}

export function createReporter(io: CliIo, flags: { json?: boolean; quiet?: boolean }): Reporter {
  const silent = flags.json === true || flags.quiet === true;
  const line = silent ? undefined : progressLine(io);
  const warnings: ReaderWarning[] = [];
  return {
    warning: (warning) => {
      if (flags.json) warnings.push(warning);
      if (silent) return;
      line?.clear(); // else the warning is appended to the progress text
      io.stderr.write(`warning: ${warning.code}: ${warning.message}\n`);
    },
    progress: (text) => line?.show(text),
    clear: () => line?.clear(),
    done({ output, bytes, fragments, tracks, summary }) {
      line?.clear();
      if (flags.json) {
        const json = { output, bytes, fragments, tracks, warnings: warnings.map(({ code, message }) => ({ code, message })) };
        (output === '-' ? io.stderr : io.stdout).write(`${JSON.stringify(json)}\n`);
      } else if (!flags.quiet && output !== '-') io.stderr.write(`wrote ${output} (${summary})\n`);
    },
  };
}

/** `12.3 MB of 45.6 MB (27%)` when the total is known, else `12.3 MB`. */
export function amountText(verb: string, bytes: number, total: number | null): string {
  const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
  if (total === null || total <= 0) return `${verb} ${mb(bytes)}`;
  return `${verb} ${mb(bytes)} of ${mb(total)} (${Math.min(100, Math.floor((bytes / total) * 100))}%)`;
}

/**
 * Passes chunks through, telling `onBytes` the running total every 8 MB (for a progress line; more
 * often would only redraw the same tenth of a percent).
 */
export async function* countedBytes(source: AsyncIterable<Uint8Array>, onBytes: (total: number) => void): AsyncGenerator<Uint8Array> {
  let total = 0;
  let shownAt = 0;
  for await (const chunk of source) {
    total += chunk.byteLength;
    if (total - shownAt >= 8 << 20) onBytes((shownAt = total));
    yield chunk;
  }
}
