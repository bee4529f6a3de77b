import pino from 'pino';
import type { Logger } from '../../core/services/logger';
import type { WeftConfig } from '../config/weft-config';

/**
 * Structured JSON logs (pino). `weft serve` logs to stdout; `weft run` logs to stderr so that
 * stdout carries only progress or the execution document.
 */
export function createLogger(config: Pick<WeftConfig, 'logLevel'>, destination: 'stdout' | 'stderr' = 'stdout'): Logger {
  return pino({ level: config.logLevel, base: { service: 'weft' } }, pino.destination(destination === 'stdout' ? 1 : 2));
}
