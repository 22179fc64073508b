/**
 * Cheap frame allocation for the media hot path: a new 160-sample typed array costs ~1.5–2 µs on V8 (a fresh
 * ArrayBuffer each time), a view into a shared slab ~0.2 µs. Codecs hand out such views; a slab is
 * garbage-collected once no view into it is left. Callers that keep frames for long (seconds) should copy
 * them, or they pin the slab (16 KiB) they live in. Use `byteOffset`/`byteLength` with `.buffer`, and
 * `slice()` a frame before `postMessage`: structured clone copies a view's whole underlying buffer.
 */

const SLAB_BYTES = 16384;
let slab = new ArrayBuffer(SLAB_BYTES);
let offset = 0;

function reserve(bytes: number): number {
  // Keep every view 8-byte aligned so Int16/Float views are always legal.
  const size = (bytes + 7) & ~7;
  if (size > SLAB_BYTES / 4) return -1;
  if (offset + size > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    offset = 0;
  }
  const at = offset;
  offset += size;
  return at;
}

/** A zero-filled Int16Array of `samples` (slab memory is fresh, never reused). */
export function allocPcm(samples: number): Int16Array {
  const at = reserve(samples * 2);
  return at < 0 ? new Int16Array(samples) : new Int16Array(slab, at, samples);
}

/** A zero-filled Uint8Array of `bytes`, for encoded payloads. */
export function allocBytes(bytes: number): Uint8Array {
  const at = reserve(bytes);
  return at < 0 ? new Uint8Array(bytes) : new Uint8Array(slab, at, bytes);
}
