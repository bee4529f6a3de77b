import { Type } from '@sinclair/typebox';

/** Ids in paths: letters, digits and `_ . : -` (no slashes, no dots-only tricks, no spaces). */
export const IdSchema = Type.String({ minLength: 1, maxLength: 200, pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]*$' });

/** `:id` path parameter. */
export const IdParamsSchema = Type.Object({ id: IdSchema }, { additionalProperties: false });

/** Query strings are validated as strings (no type coercion surprises) and converted by the route. */
export const LimitQuery = Type.String({ pattern: '^[0-9]{1,4}$', description: 'page size, 1–200 (default 50)' });
export const CursorQuery = Type.String({ minLength: 1, maxLength: 200, description: 'opaque cursor from `nextCursor`' });

/** `?limit=&cursor=` and nothing else. */
export const PageQuerySchema = Type.Object(
  { limit: Type.Optional(LimitQuery), cursor: Type.Optional(CursorQuery) },
  { additionalProperties: false },
);

/** Routes without query parameters still reject unknown ones. */
export const NoQuerySchema = Type.Object({}, { additionalProperties: false });

/** The error body of every failed request. */
export const ErrorResponseSchema = Type.Object({
  error: Type.Object({
    code: Type.String(),
    message: Type.String(),
    details: Type.Optional(Type.Unknown()),
  }),
});

/** Default and largest page sizes. */
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;
