import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { Middleware } from 'koa';
import { ValidationError, type ValidationIssue } from '../../core/index';
import { ajvIssues } from '../../core/dag/ajv-issues';
import { NoQuerySchema } from '../schemas/common.schema';
import type { ApiState, RouteSpec } from '../routes/route-spec';

/** Most issues reported for one request (a huge hostile body must not make a huge answer). */
const MAX_ISSUES = 50;

/** Compiles the request schemas of routes (one Ajv per app: no shared mutable state between apps). */
export class RequestValidators {
  private readonly ajv: Ajv;

  constructor() {
    this.ajv = new Ajv({ allErrors: true, strict: false, allowUnionTypes: true });
    addFormats(this.ajv);
  }

  compile(schema: object): ValidateFunction {
    return this.ajv.compile(schema);
  }

  /**
   * Middleware checking a route's `params`, `query` (unknown parameters are rejected, also on
   * routes that declare none) and `body`, collecting every problem in one 400 whose details name
   * `params.x`, `query.x` or `body.x`.
   */
  middleware(spec: RouteSpec): Middleware<ApiState> {
    const params = spec.params ? this.compile(spec.params) : null;
    const query = this.compile(spec.query ?? NoQuerySchema);
    const body = spec.body ? this.compile(spec.body) : null;
    return async (ctx, next) => {
      const issues: ValidationIssue[] = [];
      const p = { ...(ctx as unknown as { params: Record<string, string> }).params };
      if (params && !params(p)) issues.push(...ajvIssues(params.errors, 'params'));
      // querystring yields a null-prototype object; a plain copy keeps Ajv's own-property checks simple
      const q: Record<string, unknown> = { ...ctx.query };
      if (!query(q)) issues.push(...ajvIssues(query.errors, 'query'));
      let b = ctx.state.body;
      if (body) {
        if (b === undefined && spec.bodyOptional) b = {};
        if (b === undefined) issues.push({ path: 'body', message: 'a JSON body is required' });
        else if (!body(b)) issues.push(...ajvIssues(body.errors, 'body'));
      }
      if (issues.length) {
        throw new ValidationError(`invalid request: ${issues[0]!.path} ${issues[0]!.message}`, { details: issues.slice(0, MAX_ISSUES) });
      }
      ctx.state.params = p;
      ctx.state.query = q;
      ctx.state.body = b;
      return next();
    };
  }
}
