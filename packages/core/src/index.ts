// What every Switchboard service needs: config, logging, metrics, the HTTP server, shutdown, backoff.
export * from './config';
export * from './logger';
export * from './metrics';
export * from './http';
export * from './lifecycle';
export * from './retry';
export * from './links';
export * from './api-keys';
export * from './bot-scope';
export * from './html';
export * from './passwords';
