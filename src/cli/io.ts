/**
 * Terminal plumbing shared by every command: where text goes, how input files and stdin are read,
 * and how a write waits for a slow pipe.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { InvalidArgumentException, ResourceNotFoundException } from '../errors.js';

/** The process streams a command talks to (replaced by in-memory streams in tests). */
export interface CliIo {
  stdin: NodeJS.ReadableStream & AsyncIterable<Uint8Array | string>;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/**
 * The process's own streams, each made on first use: making one loads more of Node (stdin and stdout
 * to a file or pipe cost a few ms at start-up), and `clip in.mkv -o out.mp4` uses neither.
 */
export function processIo(): CliIo {
  let stdoutWatched = false;
  return {
    get stdin() {
      return process.stdin;
    },
    get stdout() {
      if (!stdoutWatched) {
        stdoutWatched = true;
        // A reader that stops early (`| head`, a player that has seen enough) is not an error of ours.
        process.stdout.on('error', (error: NodeJS.ErrnoException) => {
          // Other stdout errors (a full disk) reach the write that failed, which reports them as a WriteError.
          if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
        });
      }
      return process.stdout;
    },
    get stderr() {
      return process.stderr;
    },
  };
}

/**
 * Read size for input files, streamed or read into reused buffers (file-chunks.ts): large reads keep
 * the per-chunk work and blocks straddling two chunks rare.
 */
export const FILE_READ_CHUNK = 1 << 20;

/**
 * The bytes of `path` as an async iterable of chunks; `-` means stdin. A missing file is a
 * ResourceNotFoundException, a file that cannot be read an InvalidArgumentException.
 */
export async function openInput(path: string, io: CliIo): Promise<AsyncIterable<Uint8Array>> {
  return path === '-' ? stdinBytes(io) : streamFile(await openInputFile(path));
}

/** Stdin's bytes as they come. */
export const stdinBytes = (io: CliIo): AsyncIterable<Uint8Array> => bytesOf(io.stdin);

/** An open file's bytes as they come: what any file gets, pipes and devices included (closes it at the end). */
export const streamFile = (file: FileHandle): AsyncIterable<Uint8Array> => file.createReadStream({ highWaterMark: FILE_READ_CHUNK });

/** An input file opened for reading, with the same errors as openInput. */
export async function openInputFile(path: string): Promise<FileHandle> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw fileError(path, error);
  }
  const stat = await handle.stat();
  if (stat.isDirectory()) {
    await handle.close();
    throw new InvalidArgumentException(`input ${path} is a directory, not a file`);
  }
  return handle;
}

/** Stdin may be in text mode (string chunks); the reader wants bytes. */
async function* bytesOf(stream: AsyncIterable<Uint8Array | string>): AsyncGenerator<Uint8Array> {
  for await (const chunk of stream) yield typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk;
}

function fileError(path: string, error: unknown): Error {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new ResourceNotFoundException(`input file ${path} does not exist`, { cause: error });
  return new InvalidArgumentException(`cannot open input file ${path}: ${(error as Error).message}`, { cause: error });
}

/** Writes and waits while the stream is backed up, so large outputs never pile up in memory. */
export function write(stream: NodeJS.WritableStream, data: string | Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    const flushed = stream.write(data, (error) => {
      if (error) reject(error);
    });
    if (flushed) resolve();
    else stream.once('drain', resolve);
  });
}
