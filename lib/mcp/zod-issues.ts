interface ZodIssueLike {
  path?: ReadonlyArray<PropertyKey>;
  code?: string;
  message?: string;
}

/** One line per zod issue: `path (code): message`. */
export function describeZodIssues(error: unknown): string[] {
  const issues = (error as { issues?: ZodIssueLike[] } | undefined)?.issues ?? [];
  if (issues.length === 0) return ['(arguments): invalid'];
  return issues.map((issue) => {
    const path = (issue.path ?? []).map(String).join('.') || '(arguments)';
    return `${path} (${issue.code ?? 'invalid'}): ${issue.message ?? 'invalid'}`;
  });
}
