/**
 * Records 16-bit mono PCM to a WAV file as it comes, one frame per tick: frames are gathered in memory and
 * appended to the file about once a second by asynchronous writes (the media thread never waits on the
 * disk); on `close()` the header's sizes are written. A file whose recording was cut short (crash) still
 * opens: the header says "up to the end" until then (wav.ts reads an oversized data length that way).
 */
import { type FileHandle, open } from 'node:fs/promises';
import { pcmToLittleEndian, WAV_HEADER_SIZE, wavHeader } from '../player/wav.ts';

/** What a finished recording holds. */
export interface RecordingResult {
  file: string;
  sampleRate: number;
  samples: number;
  durationMs: number;
  /** Set when writing failed; the file may be incomplete. */
  error?: string;
}

/** WAV recorder (see file comment). Create with `WavRecorder.open`. */
export class WavRecorder {
  readonly file: string;
  readonly sampleRate: number;
  #fh: FileHandle;
  #chunks: Int16Array[] = [];
  #buffered = 0;
  #written = 0;
  #flushEvery: number;
  #writing: Promise<void> = Promise.resolve();
  #error: string | undefined;
  #closing: Promise<RecordingResult> | undefined;

  private constructor(file: string, sampleRate: number, fh: FileHandle) {
    this.file = file;
    this.sampleRate = sampleRate;
    this.#fh = fh;
    this.#flushEvery = sampleRate;
  }

  /** Creates (or truncates) `file`; rejects when it cannot be opened. */
  static async open(file: string, sampleRate: number): Promise<WavRecorder> {
    const fh = await open(file, 'w');
    // 0xffffffff data length: "to the end of the file" until close() writes the real one.
    await fh.write(wavHeader(sampleRate, 0xffffffff - 36), 0, WAV_HEADER_SIZE, 0);
    return new WavRecorder(file, sampleRate, fh);
  }

  /** Appends a frame (copied). Frames after `close()` are ignored. */
  write(pcm: Int16Array): void {
    if (this.#closing) return;
    this.#chunks.push(pcm.slice());
    this.#buffered += pcm.length;
    if (this.#buffered >= this.#flushEvery) this.#flush();
  }

  /** Appends `samples` of silence (a tick where the source had nothing, so the timeline is kept). */
  writeSilence(samples: number): void {
    this.write(new Int16Array(samples));
  }

  #flush(): void {
    if (this.#buffered === 0) return;
    const all = new Int16Array(this.#buffered);
    let at = 0;
    for (const c of this.#chunks) {
      all.set(c, at);
      at += c.length;
    }
    this.#chunks = [];
    this.#buffered = 0;
    const bytes = pcmToLittleEndian(all);
    const position = WAV_HEADER_SIZE + this.#written * 2;
    this.#written += all.length;
    this.#writing = this.#writing.then(async () => {
      if (this.#error) return;
      try {
        await this.#fh.write(bytes, 0, bytes.length, position);
      } catch (e) {
        this.#error = (e as Error).message;
      }
    });
  }

  /** Writes what is left and the final header, closes the file. Idempotent (same promise). */
  close(): Promise<RecordingResult> {
    this.#closing ??= (async () => {
      this.#flush();
      await this.#writing;
      try {
        if (!this.#error)
          await this.#fh.write(wavHeader(this.sampleRate, this.#written * 2), 0, WAV_HEADER_SIZE, 0);
      } catch (e) {
        this.#error = (e as Error).message;
      }
      await this.#fh.close().catch(() => {});
      const r: RecordingResult = {
        file: this.file,
        sampleRate: this.sampleRate,
        samples: this.#written,
        durationMs: (this.#written * 1000) / this.sampleRate,
      };
      if (this.#error) r.error = this.#error;
      return r;
    })();
    return this.#closing;
  }
}
