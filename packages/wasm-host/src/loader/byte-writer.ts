/**
 * A growable byte buffer for rewriting WebAssembly: one copy per byte written, instead of a
 * small array per instruction joined at the end (a module of a few MB has tens of thousands of
 * rewritten instructions).
 */
export class ByteWriter {
  private buffer: Uint8Array;
  length = 0;

  constructor(capacity = 64) {
    this.buffer = new Uint8Array(Math.max(capacity, 16));
  }

  byte(value: number): this {
    this.reserve(1);
    this.buffer[this.length++] = value;
    return this;
  }

  /** An unsigned LEB128 number. */
  u32(value: number): this {
    let v = value;
    do {
      let byte = v % 128;
      v = Math.floor(v / 128);
      if (v > 0) byte |= 0x80;
      this.byte(byte);
    } while (v > 0);
    return this;
  }

  bytes(data: Uint8Array): this {
    this.reserve(data.byteLength);
    this.buffer.set(data, this.length);
    this.length += data.byteLength;
    return this;
  }

  /** A name: its UTF-8 length, then its bytes. */
  name(text: string): this {
    const data = new TextEncoder().encode(text);
    return this.u32(data.byteLength).bytes(data);
  }

  /** What was written, without a copy: valid until the next write or `reset`. */
  view(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }

  /** A copy of what was written. */
  toArray(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }

  reset(): void {
    this.length = 0;
  }

  private reserve(extra: number): void {
    if (this.length + extra <= this.buffer.byteLength) return;
    const next = new Uint8Array(Math.max(this.buffer.byteLength * 2, this.length + extra));
    next.set(this.buffer.subarray(0, this.length));
    this.buffer = next;
  }
}
