export * from './events-api.js';
