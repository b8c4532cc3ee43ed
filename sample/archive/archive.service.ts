import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { McpAuthInfo } from '../../lib/index.js'; // in your app: from 'nest-mcp-auth'

/** One export received by the archive. */
export interface ArchiveExport {
  id: string;
  /** The user it belongs to (`sub` of the token the archive received). */
  owner: string;
  /** Who called on the user's behalf: `act.sub` (RFC 8693), else `azp`, else `client_id`. */
  actor: string;
  /** `aud` of the token the archive received: the archive itself. */
  audience: string[];
  items: unknown[];
  receivedAt: string;
}

/** The archive's in-memory store: exports per owner. */
@Injectable()
export class ArchiveService {
  private readonly exports: ArchiveExport[] = [];

  store(auth: McpAuthInfo, items: unknown[]): ArchiveExport {
    const act = auth.claims.act as { sub?: unknown } | undefined;
    const actor =
      typeof act?.sub === 'string'
        ? act.sub
        : typeof auth.claims.azp === 'string'
          ? auth.claims.azp
          : auth.clientId;
    const entry = {
      id: randomUUID(),
      owner: auth.subject ?? auth.clientId,
      actor,
      audience: auth.audience,
      items,
      receivedAt: new Date().toISOString(),
    };
    this.exports.push(entry);
    return entry;
  }

  list(owner: string): ArchiveExport[] {
    return this.exports.filter((e) => e.owner === owner);
  }
}
