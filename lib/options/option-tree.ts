import 'reflect-metadata';
import {
  ValidateBy,
  ValidateIf,
  validateSync,
  type ValidationArguments,
  type ValidationError,
} from 'class-validator';
import { McpAuthConfigError } from '../core/mcp-auth-config.error.js';

/** One invalid option: its path in what the user wrote (`resource[1].authorizationServers[0].issuer`), and why. */
export interface OptionProblem {
  path: string;
  reason: string;
}

/** An option class: constructed without arguments, its field initializers are the defaults. */
type OptionClass = new () => object;

/** How an option holding option objects is read (see {@link Nested}). */
export interface NestedOptions {
  /** The class of an object given for this option (`plain` is the object as given). */
  type: (plain: object) => OptionClass;
  /**
   * For an option that also takes a shorthand (an issuer URL for `{ issuer }`, `false`, a function): why a value
   * that is not an object is not acceptable, or `undefined` when it is. Without it, only objects are.
   */
  shorthand?: (value: unknown) => string | undefined;
  /** A list of such values is accepted too; each is validated at its own path (`option[i]`). */
  list?: boolean;
  /**
   * The option is a record of such values by name (`{ archive: { … }, graph: { … } }`); each is validated at its
   * own path (`option.archive`, or `option["my api"]` for a name that is not an identifier).
   */
  record?: boolean;
}

/**
 * The boot error for invalid options: `ERR_INVALID_OPTIONS`, its message listing every problem at its path, its
 * `option` the first path.
 */
export function invalidOptions(problems: readonly OptionProblem[]): McpAuthConfigError {
  const lines = problems.map(({ path, reason }) => `  - ${path}: ${reason}`).join('\n');
  return new McpAuthConfigError('ERR_INVALID_OPTIONS', `McpAuthModule: invalid options\n${lines}`, {
    option: problems[0].path,
  });
}

const NESTED = Symbol('nest-mcp-auth:nested-options');

type NestedSpec = NestedOptions & { key: string };

/**
 * Marks an option whose value is an option object, a shorthand, or a list of them. Objects become instances of
 * their class (defaults applied) and are validated at their own path. (`@ValidateNested` refuses a list that
 * mixes shorthands and objects, `['https://a.example', { issuer: 'https://b.example' }]`, and class-transformer
 * would re-construct the class instances an option may hold, e.g. a `TokenVerifier`; so option objects are built
 * and visited here.)
 */
export function Nested(options: NestedOptions): PropertyDecorator {
  return (target, key) => {
    const specs = (Reflect.getMetadata(NESTED, target) ?? []) as NestedSpec[];
    Reflect.defineMetadata(NESTED, [...specs, { ...options, key: String(key) }], target);
  };
}

function nestedSpecs(node: object): NestedSpec[] {
  return (Reflect.getMetadata(NESTED, node) ?? []) as NestedSpec[];
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * An instance of `type` with the options of `plain` over its defaults: only declared options are read (the
 * class's fields: own properties of every instance, with `useDefineForClassFields`), an `undefined` value keeps
 * the default, and option objects under `@Nested` options become instances of their class too. Nothing is
 * validated here (see {@link validateOptions}).
 */
export function toOptions<T extends object>(type: new () => T, plain: object): T {
  const instance = new type() as Record<string, unknown>;
  const specs = new Map(nestedSpecs(instance).map((spec) => [spec.key, spec]));
  for (const [key, value] of Object.entries(plain)) {
    if (value === undefined || !Object.hasOwn(instance, key)) continue;
    const spec = specs.get(key);
    instance[key] = spec ? nestedValue(value, spec) : value;
  }
  return instance as T;
}

function nestedValue(value: unknown, spec: NestedSpec): unknown {
  const one = (v: unknown) => (isObject(v) ? toOptions(spec.type(v), v) : v);
  if (spec.record) return isObject(value) ? mapValues(value, one) : value;
  return spec.list && Array.isArray(value) ? value.map(one) : one(value);
}

const mapValues = (record: Record<string, unknown>, map: (value: unknown) => unknown) =>
  Object.fromEntries(Object.entries(record).map(([key, value]) => [key, map(value)]));

/**
 * Validates an option object built by {@link toOptions} with class-validator, and every option object under it,
 * each at its own path: the problems name the options as the user wrote them.
 */
export function validateOptions(node: object, path = ''): OptionProblem[] {
  const problems = validateSync(node, { forbidUnknownValues: false }).map((error) => ({
    path: join(path, error.property),
    // class-validator's own messages start with the property's name, which the path already gives.
    reason: reasons(error)
      .map((message) => message.replace(`${error.property} `, ''))
      .join('; '),
  }));
  for (const spec of nestedSpecs(node)) {
    const value = (node as Record<string, unknown>)[spec.key];
    if (value === undefined) continue;
    const at = join(path, spec.key);
    if (spec.list && Array.isArray(value)) {
      value.forEach((v, i) => problems.push(...validateForm(v, `${at}[${i}]`, spec)));
    } else if (spec.record) {
      problems.push(...validateRecord(value, at, spec));
    } else {
      problems.push(...validateForm(value, at, spec));
    }
  }
  return problems;
}

/** A missing option is reported as missing (its `@IsDefined` message), not also as not being a string, a number… */
function reasons(error: ValidationError): string[] {
  const constraints = error.constraints ?? {};
  if (error.value === undefined && constraints.isDefined !== undefined) return [constraints.isDefined];
  return Object.values(constraints);
}

function validateRecord(value: unknown, path: string, spec: NestedSpec): OptionProblem[] {
  if (!isObject(value)) return [{ path, reason: 'must be an object: { name: options, … }' }];
  return Object.entries(value).flatMap(([key, v]) => validateForm(v, keyPath(path, key), spec));
}

function validateForm(value: unknown, path: string, spec: NestedSpec): OptionProblem[] {
  if (isObject(value)) return validateOptions(value, path);
  const reason = spec.shorthand ? spec.shorthand(value) : 'must be an object';
  return reason === undefined ? [] : [{ path, reason }];
}

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

/** The path of a record entry: `targets.archive`, or `targets["my api"]` for a name that is not an identifier. */
export const keyPath = (path: string, key: string): string =>
  /^[A-Za-z_$][\w$]*$/.test(key) ? join(path, key) : `${path}[${JSON.stringify(key)}]`;

/** Validates the option only when it is given (`null` is validated, and refused, unlike `@IsOptional()`). */
export const Optional = (): PropertyDecorator => ValidateIf((_, value) => value !== undefined);

/**
 * A rule of one option: `test` receives the value and the option object holding it; `message` says what the
 * value must be (or, as a function of the value, why it is not).
 */
export function Is(
  name: string,
  test: (value: unknown, options: Record<string, unknown>) => boolean,
  message: string | ((value: unknown) => string),
): PropertyDecorator {
  return ValidateBy({
    name,
    validator: {
      validate: (value: unknown, args?: ValidationArguments) =>
        test(value, (args?.object ?? {}) as Record<string, unknown>),
      defaultMessage: (args?: ValidationArguments) =>
        typeof message === 'string' ? message : message(args?.value),
    },
  });
}
