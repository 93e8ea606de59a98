// The Kafka client library tests run the bus on: KAFKA_CLIENT=kafkajs|platformatic in the test's environment
// (kafkajs when unset), so CI can run the bus and fault tests once per client.
import { KAFKA_CLIENTS, type KafkaClientKind } from '@switchboard/core';

function fromEnv(value: string | undefined): KafkaClientKind {
  if (value === undefined || value === '') return 'kafkajs';
  if (!(KAFKA_CLIENTS as readonly string[]).includes(value))
    throw new Error(`KAFKA_CLIENT must be one of ${KAFKA_CLIENTS.join(', ')}, got "${value}"`);
  return value as KafkaClientKind;
}

export const testKafkaClient: KafkaClientKind = fromEnv(process.env.KAFKA_CLIENT);
