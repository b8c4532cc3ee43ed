import { IsArray, IsDefined, IsString, ValidateIf } from 'class-validator';
import { describeUrlProblem, type UrlKind } from '../core/url-rules.js';
import { Is } from './option-tree.js';

/** Decorators applied together, in order. */
const all =
  (...decorators: PropertyDecorator[]): PropertyDecorator =>
  (target, key) => {
    for (const decorate of decorators) decorate(target, key);
  };

/** A URL of `kind`, by the rules of `core/url-rules.ts`. */
const IsUrlOf = (kind: UrlKind): PropertyDecorator =>
  Is(
    kind,
    (value) => describeUrlProblem(value, kind) === undefined,
    (value) => describeUrlProblem(value, kind) ?? '',
  );

/** A resource or issuer identifier (see `identifierProblem`: absolute `https:`, no fragment, query, credentials). */
export const IsIdentifier = (): PropertyDecorator => IsUrlOf('identifier');

/** A URL the module calls: absolute `https:` (plain `http:` on loopback), no fragment nor credentials. */
export const IsEndpointUrl = (): PropertyDecorator => IsUrlOf('endpoint');

/** A documentation page: an absolute `http(s):` URL without credentials. */
export const IsPageUrl = (): PropertyDecorator => IsUrlOf('page');

/** A function. */
export const IsFunction = (): PropertyDecorator =>
  Is('function', (value) => typeof value === 'function', 'must be a function');

/** An array of strings. */
export const IsStringList = (): PropertyDecorator =>
  all(
    IsArray({ message: 'must be an array of strings' }),
    IsString({ each: true, message: 'must be an array of strings' }),
  );

/** When the value is a list, it is not empty. */
export const NotEmptyList = (message: string): PropertyDecorator =>
  Is('notEmptyList', (value) => !Array.isArray(value) || value.length > 0, message);

/**
 * An option required in some cases only — instead of `@Optional()`: `why(options)` says why it is required (the
 * message when it is missing), or `undefined` when it is not. Given, its other rules apply; missing and not
 * required, none does.
 */
export const RequiredWhen = (
  why: (options: Record<string, unknown>) => string | undefined,
): PropertyDecorator =>
  all(
    ValidateIf(
      (options: Record<string, unknown>, value) => value !== undefined || why(options) !== undefined,
    ),
    IsDefined({ message: ({ object }) => why(object as Record<string, unknown>) ?? 'is required' }),
  );
