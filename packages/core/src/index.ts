// What every Switchboard service needs: config, logging, metrics, the HTTP server, shutdown, backoff.
// What services agree on about Slack messages and Asana tasks is in @switchboard/agreements.
export * from './config';
export * from './budgets';
export * from './kafka-security';
export * from './logger';
export * from './metrics';
export * from './http';
export * from './lifecycle';
export * from './retry';
export * from './api-keys';
export * from './bot-scope';
export * from './html';
export * from './passwords';
export * from './watched-file';
