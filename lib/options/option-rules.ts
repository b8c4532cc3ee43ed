import { IsArray, IsDefined, IsString, IsUrl, ValidateIf } from 'class-validator';
import { identifierProblem } from '../core/url-rules.js';
import { Is } from './option-tree.js';

const HTTP_URL = { require_tld: false, require_protocol: true, protocols: ['http', 'https'] };

/** Decorators applied together, in order. */
const all =
  (...decorators: PropertyDecorator[]): PropertyDecorator =>
  (target, key) => {
    for (const decorate of decorators) decorate(target, key);
  };

/** A resource or issuer identifier (see `identifierProblem`: absolute `https:`, no fragment, query, credentials). */
export const IsIdentifier = (): PropertyDecorator =>
  Is(
    'identifier',
    (value) => identifierProblem(value) === undefined,
    (value) => identifierProblem(value) ?? '',
  );

/** An absolute `http:` or `https:` URL. */
export const IsHttpUrl = (): PropertyDecorator =>
  IsUrl(HTTP_URL, { message: 'must be an absolute http(s) URL' });

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
