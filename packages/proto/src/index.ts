// The event contract between services: protobuf-es types generated from proto/switchboard/v1 by `npm run generate`.
export * from './gen/switchboard/v1/common_pb';
export * from './gen/switchboard/v1/message_event_pb';
export * from './gen/switchboard/v1/classified_event_pb';
export * from './gen/switchboard/v1/status_event_pb';
export * from './gen/switchboard/v1/operator_message_pb';
export { create, toBinary, fromBinary, clone, toJson } from '@bufbuild/protobuf';
export type { MessageShape, DescMessage } from '@bufbuild/protobuf';
export { timestampNow, timestampFromDate, timestampDate, timestampFromMs, timestampMs } from '@bufbuild/protobuf/wkt';
export type { Timestamp } from '@bufbuild/protobuf/wkt';
