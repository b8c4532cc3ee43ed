// Type helpers that derive the public option types from the option classes (`*Settings`), so that each option is
// declared once: in its class, with its JSDoc, its constraints and its default.

declare const DEFAULTED: unique symbol;

/**
 * The type of an option that has a default (the class field's initializer): optional in what users pass, always
 * set once resolved. `clockTolerance: Defaulted<number> = 5`.
 */
export type Defaulted<T> = T & { readonly [DEFAULTED]?: true };

/** `T` without the `Defaulted` mark. */
type Unmarked<T> = T extends Defaulted<infer U> ? U : T;

/** The keys of `T` whose option has a default. */
type DefaultedKeys<T> = {
  [K in keyof T]-?: [typeof DEFAULTED] extends [keyof NonNullable<T[K]>] ? K : never;
}[keyof T];

/** An option's value as users give it: option classes become their input types, lists and functions stay. */
type InputOf<V> = V extends string | number | boolean | bigint | symbol
  ? V // branded primitives (`string & {}`) stay as they are
  : V extends (...args: never[]) => unknown
    ? V
    : V extends abstract new (...args: never[]) => unknown
      ? V
      : V extends readonly (infer E)[]
        ? InputOf<E>[]
        : V extends object
          ? OptionsInput<V>
          : V;

/** An option's value once resolved: every default applied, marks removed, read-only. */
type ResolvedOf<V> = V extends string | number | boolean | bigint | symbol
  ? V
  : V extends (...args: never[]) => unknown
    ? V
    : V extends abstract new (...args: never[]) => unknown
      ? V
      : V extends readonly (infer E)[]
        ? ResolvedOf<E>[]
        : V extends object
          ? Resolved<V>
          : V;

/** Flattens an intersection of mapped types into one object type (readable hovers; property docs are kept). */
type Flat<T> = { [K in keyof T]: T[K] };

/**
 * What users pass for the option class `T`: options with a default are optional, the others as declared
 * (required, or optional without a default).
 */
export type OptionsInput<T> = Flat<
  { [K in keyof T as K extends DefaultedKeys<T> ? never : K]: InputOf<T[K]> } & {
    [K in keyof T as K extends DefaultedKeys<T> ? K : never]?: InputOf<Unmarked<T[K]>>;
  }
>;

/** The option class `T` once validated, every default applied: what the module's classes read. */
export type Resolved<T> = { readonly [K in keyof T]: ResolvedOf<Unmarked<T[K]>> };
