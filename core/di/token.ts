import type { InjectionToken } from 'tsyringe';

/** A typed DI token: the type parameter travels with the symbol so `resolve` is typed. */
export type Token<T> = symbol & { readonly __type?: T };

/** Creates a typed DI token; `name` is dotted (`core.executionStore`). */
export function createToken<T>(name: string): Token<T> {
  return Symbol.for(`weft:${name}`);
}

/** The dotted name a token was created with (for error messages). */
export function tokenName(token: Token<unknown>): string {
  return (token.description ?? String(token)).replace(/^weft:/, '');
}

/** tsyringe accepts symbols; this narrows our typed token to its token type. */
export function asInjectionToken<T>(token: Token<T>): InjectionToken<T> {
  return token;
}
