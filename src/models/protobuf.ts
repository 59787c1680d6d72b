/**
 * Protocol Buffers at the wire level, the little ONNX handling needs without protobufjs and the ONNX schema:
 * a reader (varints, fixed-width numbers, length-delimited fields, sub-messages), a splitter that keeps each
 * top-level field's bytes as they are (to rewrite a message by dropping and adding fields), and writers.
 */

export class ProtoReader {
  pos = 0;
  constructor(
    readonly buf: Uint8Array,
    readonly end = buf.length,
    start = 0,
  ) {
    this.pos = start;
  }
  done(): boolean {
    return this.pos >= this.end;
  }
  /** Varint as a JS number (exact up to 2^53; negative int64 becomes a large value, fixed by `signed`). */
  varint(): number {
    let result = 0;
    let mul = 1;
    for (;;) {
      if (this.pos >= this.end) throw new Error('truncated varint');
      const b = this.buf[this.pos++];
      result += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) return result;
      mul *= 128;
      if (mul > 2 ** 70) throw new Error('varint too long');
    }
  }
  /** int64 varint, two's complement for negatives. */
  int64(): number {
    const v = this.varint();
    return v >= 2 ** 63 ? v - 2 ** 64 : v;
  }
  float32(): number {
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 4).getFloat32(0, true);
    this.pos += 4;
    return v;
  }
  float64(): number {
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8).getFloat64(0, true);
    this.pos += 8;
    return v;
  }
  bytes(): Uint8Array {
    const len = this.varint();
    if (this.pos + len > this.end) throw new Error('truncated length-delimited field');
    const b = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return b;
  }
  sub(): ProtoReader {
    const len = this.varint();
    if (this.pos + len > this.end) throw new Error('truncated message');
    const r = new ProtoReader(this.buf, this.pos + len, this.pos);
    this.pos += len;
    return r;
  }
  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) {
      const len = this.varint();
      this.pos += len;
    } else if (wire === 5) this.pos += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
  /** Iterates (field, wire) tags until the end of this message. */
  *fields(): Generator<[number, number]> {
    while (!this.done()) {
      const tag = this.varint();
      const before = this.pos;
      yield [Math.floor(tag / 8), tag & 7];
      if (this.pos === before) throw new Error(`field ${Math.floor(tag / 8)} not consumed`);
    }
  }
}

/** One top-level field of a message, with its bytes as they are (tag included). */
export interface ProtoField {
  field: number;
  wire: number;
  bytes: Uint8Array;
  /** Payload of a length-delimited field. */
  payload?: Uint8Array;
  /** Value of a varint field. */
  value?: number;
}

/** Splits a message into its top-level fields. */
export function splitFields(buf: Uint8Array): ProtoField[] {
  const r = new ProtoReader(buf);
  const out: ProtoField[] = [];
  while (!r.done()) {
    const start = r.pos;
    const tag = r.varint();
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    let payload: Uint8Array | undefined;
    let value: number | undefined;
    if (wire === 0) value = r.varint();
    else if (wire === 2) payload = r.bytes();
    else r.skip(wire);
    out.push({ field, wire, bytes: buf.subarray(start, r.pos), payload, value });
  }
  return out;
}

/** A varint's bytes (negative numbers as 64-bit two's complement, as int64 fields want). */
export function varint(v: number | bigint): number[] {
  let x = BigInt.asUintN(64, BigInt(v));
  const out: number[] = [];
  do {
    let b = Number(x & 0x7fn);
    x >>= 7n;
    if (x) b |= 0x80;
    out.push(b);
  } while (x);
  return out;
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

/** A length-delimited field (bytes, string, sub-message, packed). */
export function lenField(field: number, payload: Uint8Array): Uint8Array {
  return concat(Uint8Array.from([...varint(field * 8 + 2), ...varint(payload.length)]), payload);
}

export function stringField(field: number, s: string): Uint8Array {
  return lenField(field, new TextEncoder().encode(s));
}

export function intField(field: number, v: number): Uint8Array {
  return Uint8Array.from([...varint(field * 8), ...varint(v)]);
}
