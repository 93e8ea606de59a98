// The Kafka bus: topics and their schemas, protobuf codec, publisher, consumer with DLQ.
export * from './topics';
export * from './codec';
export * from './errors';
export * from './kafka';
export * from './kafka-log';
export * from './publisher';
export * from './consumer';
export * from './dlq';
export * from './health';
export * from './producer-transport';
export * from './platformatic-producer';
export * from './lanes';
