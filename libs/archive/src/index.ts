export * from './archive-api.js';
