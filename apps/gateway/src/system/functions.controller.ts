import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { FunctionStatus } from '@skiff/contracts';
import { FunctionsService } from './functions.service';
import { pathName } from './namespace-param';

/** `/system/functions`, `/system/function/<name>` and `/system/scale-function/<name>` (OpenFaaS contracts). */
@Controller('system')
export class FunctionsController {
  constructor(private readonly functions: FunctionsService) {}

  @Get('functions')
  list(@Query('namespace') namespace?: unknown): Promise<FunctionStatus[]> {
    return this.functions.list(namespace);
  }

  @Post('functions')
  @HttpCode(202)
  deploy(@Body() body: unknown): Promise<FunctionStatus> {
    return this.functions.deploy(body, false);
  }

  @Put('functions')
  @HttpCode(202)
  update(@Body() body: unknown): Promise<FunctionStatus> {
    return this.functions.deploy(body, true);
  }

  @Delete('functions')
  @HttpCode(202)
  async remove(@Body() body: unknown, @Query('namespace') namespace?: unknown): Promise<void> {
    await this.functions.remove(body, namespace);
  }

  @Get('function/:name')
  get(@Param('name') name: string, @Query('namespace') namespace?: unknown): Promise<FunctionStatus> {
    return this.functions.get(pathName(name), namespace);
  }

  @Post('scale-function/:name')
  @HttpCode(202)
  async scale(@Param('name') name: string, @Body() body: unknown, @Query('namespace') namespace?: unknown): Promise<void> {
    await this.functions.scale(pathName(name), body, namespace);
  }
}
