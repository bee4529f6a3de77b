import { ErrorCodes, WeftError, type WeftErrorOptions } from '../../core/index';

/** The request body is larger than `maxBodyBytes` (413). */
export class PayloadTooLargeError extends WeftError {
  constructor(message: string, options: WeftErrorOptions = {}) {
    super(message, { code: ErrorCodes.WF_PAYLOAD_TOO_LARGE, ...options });
  }
}

/** The request body is not `application/json` (415). */
export class UnsupportedMediaTypeError extends WeftError {
  constructor(message: string, options: WeftErrorOptions = {}) {
    super(message, { code: ErrorCodes.WF_UNSUPPORTED_MEDIA, ...options });
  }
}

/** Too many requests for this key or address (429); `retryAfterMs` becomes `Retry-After`. */
export class RateLimitedError extends WeftError {
  constructor(message: string, options: WeftErrorOptions = {}) {
    super(message, { code: ErrorCodes.WF_RATE_LIMITED, ...options });
  }
}

/** The path exists but not with this method (405); `details` lists the allowed methods. */
export class MethodNotAllowedError extends WeftError {
  constructor(message: string, options: WeftErrorOptions = {}) {
    super(message, { code: ErrorCodes.WF_METHOD_NOT_ALLOWED, ...options });
  }
}
