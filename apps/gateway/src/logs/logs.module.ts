import { Module } from '@nestjs/common';
import { LogReader } from './log-reader.service';
import { LogsController } from './logs.controller';

/** `/system/logs`, read straight from the function log stream. */
@Module({ controllers: [LogsController], providers: [LogReader] })
export class LogsModule {}
