/** `http.request` parses `Retry-After` with the kernel's parser, like the agent provider. */
export { parseRetryAfterMs as parseRetryAfter } from '../../core';
