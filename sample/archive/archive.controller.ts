import { BadRequestException, Body, Controller, Get, Post, UseGuards } from '@nestjs/common';
import { AuthInfo, McpAuthGuard, RequireScopes, type McpAuthInfo } from '../../lib/index.js'; // in your app: from 'nest-mcp-auth'
import { ArchiveService } from './archive.service.js';

/**
 * The archive API: an ordinary REST API protected by McpAuthGuard for its own resource (`…/archive`). It accepts
 * only tokens whose audience is the archive — a token for the MCP server is refused with 401 — so the MCP server
 * must obtain a token for it (DownstreamTokens) instead of forwarding the caller's.
 */
@Controller('archive')
@UseGuards(McpAuthGuard)
export class ArchiveController {
  constructor(private readonly archive: ArchiveService) {}

  @Post('exports')
  @RequireScopes('archive:write')
  create(@Body() body: { items?: unknown }, @AuthInfo() auth: McpAuthInfo) {
    if (!Array.isArray(body?.items)) throw new BadRequestException('items must be an array');
    return this.archive.store(auth, body.items);
  }

  @Get('exports')
  @RequireScopes('archive:read')
  list(@AuthInfo() auth: McpAuthInfo) {
    return { exports: this.archive.list(auth.subject ?? auth.clientId) };
  }
}
