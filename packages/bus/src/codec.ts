// Protobuf encoding of bus messages through the generated schemas; no hand-written codec.
import { fromBinary, toBinary, type DescMessage, type MessageShape } from '@switchboard/proto';

export class DecodeError extends Error {
  constructor(
    readonly typeName: string,
    cause: unknown,
  ) {
    super(`cannot decode ${typeName}: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'DecodeError';
  }
}

export function encode<S extends DescMessage>(schema: S, message: MessageShape<S>): Buffer {
  return Buffer.from(toBinary(schema, message));
}

export function decode<S extends DescMessage>(schema: S, bytes: Buffer | null): MessageShape<S> {
  if (bytes === null || bytes.length === 0) throw new DecodeError(schema.typeName, new Error('empty message'));
  try {
    return fromBinary(schema, bytes);
  } catch (err) {
    throw new DecodeError(schema.typeName, err);
  }
}
