/** The provider parses `Retry-After` with the kernel's parser, like the `http.request` tool. */
export { parseRetryAfterMs } from '../../core/executor/retry-after';
