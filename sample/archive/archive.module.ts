import { Module } from '@nestjs/common';
import { ArchiveController } from './archive.controller.js';
import { ArchiveService } from './archive.service.js';

/** The archive API (the downstream API of the sample). Its tool, `export-todos`, is `ArchiveTools`. */
@Module({ controllers: [ArchiveController], providers: [ArchiveService] })
export class ArchiveModule {}
