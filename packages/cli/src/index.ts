// Operator commands as functions, for the `switchboard` CLI and for tests.
export * from './dlq';
export * from './timeline';
