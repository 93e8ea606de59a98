// Redis for Switchboard: the connection, the shared keys and records, and the primitives every service uses
// (done-marks, the lock, the open batch, rate budgets).
export * from './keys';
export * from './redis';
export * from './once';
export * from './rate-budget';
export * from './refs';
export * from './lock';
export * from './batch';
export * from './spam-marks';
export * from './script-values';
