/** Logger setup: one JSON line per event with the platform's field names. */
export type { Logger } from 'pino';
export type { LoggerOptions, LogLevel } from './logger.ts';
export { createLogger, isLogLevel, LOG_LEVELS } from './logger.ts';
