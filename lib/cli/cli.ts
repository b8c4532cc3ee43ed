/**
 * The `nest-mcp-auth` command line: argument parsing and rendering. `main.ts` is the executable that calls
 * {@link main}; tests call it in-process.
 */
import { parseArgs } from 'node:util';
import {
  doctorUsageProblem,
  runDoctor,
  type DoctorOptions,
  type DoctorReport,
  type DoctorStatus,
} from './doctor.js';
import type { AuthorizationServerType } from '../discovery/authorization-server-metadata.js';

/** Where the command writes (`process` fits), and optionally the fetch implementation. */
export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  fetch?: typeof fetch;
}

/** Exit codes: nothing blocks MCP clients; something does; the command line is wrong. */
export const EXIT_OK = 0;
export const EXIT_PROBLEMS = 1;
export const EXIT_USAGE = 2;

export const USAGE = `Usage: nest-mcp-auth doctor <issuer> [options]

Checks what an OpenID Connect / OAuth authorization server offers MCP clients and nest-mcp-auth: discovery URLs,
issuer echo, PKCE S256, client registration, JWKS, introspection, the grants and client authentication methods
downstream calls use (token exchange, on-behalf-of, client credentials), RFC 8707 hints.

Options:
  --type oidc|oauth   discovery convention (default: probe like MCP 2025-11-25 clients)
  --resource <url>    the MCP server's resource identifier (RFC 8707), to check it too
  --timeout <ms>      per-request timeout in milliseconds (default 5000)
  --json              print the report as JSON
  -h, --help          show this help

Exit code: 0 when nothing blocks MCP clients, 1 otherwise, 2 for a usage error.
`;

const ICONS: Record<DoctorStatus, string> = { ok: '✓', warn: '⚠', fail: '✗' };

/**
 * Runs the command line `argv` (without `node` and the script), writing to `io`.
 *
 * @returns the exit code: 0 when nothing blocks MCP clients, 1 otherwise, 2 for a usage error.
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    return usageError(io, error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout.write(USAGE);
    return EXIT_OK;
  }
  const [command, issuer, ...extra] = positionals;
  if (command === undefined) return usageError(io, 'missing command');
  if (command !== 'doctor') return usageError(io, `unknown command ${JSON.stringify(command)}`);
  if (issuer === undefined) return usageError(io, 'missing <issuer>');
  if (extra.length > 0) return usageError(io, `unexpected argument ${JSON.stringify(extra[0])}`);

  const options: DoctorOptions = { issuer, fetch: io.fetch };
  if (values.type !== undefined) options.type = values.type as AuthorizationServerType;
  if (values.resource !== undefined) options.resource = values.resource;
  if (values.timeout !== undefined)
    options.timeout = values.timeout.trim() === '' ? NaN : Number(values.timeout);
  const problem = doctorUsageProblem(options);
  if (problem !== undefined) return usageError(io, problem);

  let report: DoctorReport;
  try {
    report = await runDoctor(options);
  } catch (error) {
    io.stderr.write(
      `nest-mcp-auth doctor failed: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    return EXIT_PROBLEMS;
  }
  io.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : render(issuer, report));
  return report.ok ? EXIT_OK : EXIT_PROBLEMS;
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    options: {
      type: { type: 'string' },
      resource: { type: 'string' },
      timeout: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
    strict: true,
  });
}

function usageError(io: CliIo, message: string): number {
  io.stderr.write(`nest-mcp-auth: ${message}\n\n${USAGE}`);
  return EXIT_USAGE;
}

/** One line per check (`✓ title: detail`), its hint indented on the next line, and a summary. */
export function render(issuer: string, report: DoctorReport): string {
  const lines = [`nest-mcp-auth doctor ${issuer}`, ''];
  for (const check of report.checks) {
    lines.push(
      `${ICONS[check.status]} ${check.title}${check.detail === undefined ? '' : `: ${check.detail}`}`,
    );
    if (check.hint !== undefined) lines.push(`    → ${check.hint}`);
  }
  const count = (status: DoctorStatus) => report.checks.filter((check) => check.status === status).length;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const failures = count('fail');
  const warnings = count('warn');
  lines.push(
    '',
    failures === 0
      ? `OK: nothing blocks MCP clients (${plural(warnings, 'warning')}).`
      : `FAILED: ${plural(failures, 'problem')} ${failures === 1 ? 'blocks' : 'block'} MCP clients (${plural(warnings, 'warning')}).`,
  );
  return `${lines.join('\n')}\n`;
}
