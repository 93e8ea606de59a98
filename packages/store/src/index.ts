// Redis for Switchboard: the connection, every key's name, and the idempotency operations.
export * from './keys';
export * from './redis';
export * from './once';
export * from './rate-budget';
export * from './refs';
