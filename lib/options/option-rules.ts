import { IsArray, IsString, IsUrl } from 'class-validator';
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
