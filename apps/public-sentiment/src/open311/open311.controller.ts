import { Body, Controller, Get, Headers as Header, HttpCode, Param, Post, Query, Req, Res, UseFilters } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiOperation, ApiParam, ApiProduces, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '@gm/auth';
import { OPEN311_FORMATS, OPEN311_PAGE_SIZE, open311Format, type Open311Form, type Open311Format } from './open311-mapping';
import { Open311ErrorFilter } from './open311-error.filter';
import { open311Xml, type Open311Root } from './open311-xml';
import { Open311Service } from './open311.service';

const FORMAT = { name: 'format', enum: OPEN311_FORMATS, description: 'json or xml' } as const;
const JURISDICTION = { name: 'jurisdiction_id', required: false, description: '本辖区（区县）代码，可省略 The district code of this tier; may be left out' } as const;
const WINDOW = [
  { name: 'start_date', required: false, description: 'ISO 8601 with offset; requested_datetime ≥ start_date' },
  { name: 'end_date', required: false, description: 'ISO 8601 with offset; default window 90 days, never longer' },
] as const;
const ERRORS_SCHEMA = {
  type: 'array',
  items: { type: 'object', properties: { code: { type: 'integer', description: 'the HTTP status' }, description: { type: 'string' } } },
} as const;
const text = (description: string) => ({ type: 'string', description }) as const;
const CREATE_FORM = {
  type: 'object' as const,
  required: ['api_key', 'service_code', 'lat', 'long'],
  properties: {
    api_key: text('the client\'s key (OPEN311_API_KEYS)'),
    jurisdiction_id: text('the district code of this tier; may be left out'),
    service_code: text('a category code, e.g. SJ0101'),
    lat: text('WGS84 latitude'),
    long: text('WGS84 longitude'),
    address_string: text('up to 500 characters'),
    description: text('up to 4000 characters'),
    media_url: text('an http(s) link to a photo or video held elsewhere'),
    'attribute[code]': text('an answer to an attribute of the service definition; attribute[code][] for each value of a multivaluelist'),
  },
};
const PAGING = [
  { name: 'page', required: false, description: 'from 1 (default 1)' },
  { name: 'page_size', required: false, description: `1–${OPEN311_PAGE_SIZE.max} (default ${OPEN311_PAGE_SIZE.default})` },
] as const;

function send(reply: FastifyReply, format: Open311Format, root: Open311Root, body: unknown): FastifyReply {
  return format === 'xml'
    ? reply.status(200).header('content-type', 'text/xml; charset=utf-8').send(open311Xml(root, body))
    : reply.status(200).header('content-type', 'application/json; charset=utf-8').send(JSON.stringify(body));
}

/** Open311 GeoReport v2: public, no token; creating a request needs an `api_key`. Errors in the spec's shape. */
@ApiTags('open311 GeoReport v2')
@ApiProduces('application/json', 'text/xml')
@ApiResponse({ status: 400, description: '参数错误 A bad field, named in the description', schema: ERRORS_SCHEMA })
@ApiResponse({ status: 404, description: '不存在 Unknown request, token, route or format', schema: ERRORS_SCHEMA })
@Public()
@UseFilters(Open311ErrorFilter)
@Controller('open311/v2')
export class Open311Controller {
  constructor(private readonly open311: Open311Service) {}

  @Get('discovery.:format')
  @ApiParam(FORMAT)
  @ApiOperation({ summary: '服务发现 Discovery: the endpoint, its formats and where to get a key' })
  discovery(@Param('format') format: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return send(reply, open311Format(format), 'discovery', this.open311.discovery(`${req.protocol}://${req.host}/open311/v2`));
  }

  @Get('services.:format')
  @ApiParam(FORMAT)
  @ApiQuery(JURISDICTION)
  @ApiOperation({ summary: '服务类型 Service list: one service per case category' })
  services(@Param('format') format: string, @Query() query: unknown, @Res() reply: FastifyReply) {
    return send(reply, open311Format(format), 'services', this.open311.services(query));
  }

  @Get('services/:service_code.:format')
  @ApiParam(FORMAT)
  @ApiQuery(JURISDICTION)
  @ApiOperation({ summary: '服务定义 Service definition: the extra attributes of a category' })
  serviceDefinition(@Param('service_code') code: string, @Param('format') format: string, @Query() query: unknown, @Res() reply: FastifyReply) {
    return send(reply, open311Format(format), 'service_definition', this.open311.serviceDefinition(code, query));
  }

  @Post('requests.:format')
  @HttpCode(200)
  @ApiParam(FORMAT)
  @ApiConsumes('application/x-www-form-urlencoded')
  @ApiBody({ schema: CREATE_FORM })
  @ApiResponse({ status: 200, description: '已创建 Created: [{service_request_id, token, service_notice, account_id}]' })
  @ApiResponse({ status: 403, description: 'api_key 缺失或无效 Missing or wrong api_key', schema: ERRORS_SCHEMA })
  @ApiOperation({
    summary: '提交请求 Create a service request (form-encoded, api_key required)',
    description:
      'lat and long are required here: the grid is found from the point. Personal fields (email, first_name, last_name, phone, device_id, account_id) ' +
      'are accepted and not stored. Fields may also come in the query string. An optional Idempotency-Key header makes a retry return the first answer.',
  })
  async create(
    @Param('format') format: string,
    @Body() body: unknown,
    @Query() query: unknown,
    @Header('idempotency-key') idempotencyKey: string | undefined,
    @Res() reply: FastifyReply,
  ) {
    const fmt = open311Format(format);
    // Fields may come in the body or, as some clients send them, in the query string.
    const form = { ...(query as Open311Form | undefined), ...(body !== null && typeof body === 'object' ? (body as Open311Form) : {}) };
    return send(reply, fmt, 'service_requests', await this.open311.create(form, idempotencyKey));
  }

  @Get('tokens/:token.:format')
  @ApiParam(FORMAT)
  @ApiQuery(JURISDICTION)
  @ApiOperation({ summary: '令牌查询 The service_request_id of a token (the token is the case id)' })
  async token(@Param('token') token: string, @Param('format') format: string, @Query() query: unknown, @Res() reply: FastifyReply) {
    const fmt = open311Format(format);
    return send(reply, fmt, 'service_requests', await this.open311.token(token, query));
  }

  @Get('requests.:format')
  @ApiParam(FORMAT)
  @ApiQuery(JURISDICTION)
  @ApiQuery({ name: 'service_request_id', required: false, description: 'comma-separated; overrides every other filter' })
  @ApiQuery({ name: 'service_code', required: false, description: 'comma-separated' })
  @ApiQuery({ name: 'status', required: false, description: 'open, closed or both (comma-separated)' })
  @ApiQuery(WINDOW[0])
  @ApiQuery(WINDOW[1])
  @ApiQuery(PAGING[0])
  @ApiQuery(PAGING[1])
  @ApiOperation({ summary: '请求列表 Service requests of this tier, newest first (public fields only)' })
  async requests(@Param('format') format: string, @Query() query: unknown, @Res() reply: FastifyReply) {
    const fmt = open311Format(format);
    return send(reply, fmt, 'service_requests', await this.open311.requests(query));
  }

  @Get('requests/:service_request_id.:format')
  @ApiParam(FORMAT)
  @ApiQuery(JURISDICTION)
  @ApiOperation({ summary: '单个请求 One service request (by its case number)' })
  async request(@Param('service_request_id') id: string, @Param('format') format: string, @Query() query: unknown, @Res() reply: FastifyReply) {
    const fmt = open311Format(format);
    return send(reply, fmt, 'service_requests', await this.open311.request(id, query));
  }

  @Get('servicerequestupdates.:format')
  @ApiParam(FORMAT)
  @ApiQuery(JURISDICTION)
  @ApiQuery(WINDOW[0])
  @ApiQuery(WINDOW[1])
  @ApiQuery(PAGING[0])
  @ApiQuery(PAGING[1])
  @ApiOperation({ summary: '处理进展 Service request updates (mySociety extension): public steps in a window, oldest first' })
  async updates(@Param('format') format: string, @Query() query: unknown, @Res() reply: FastifyReply) {
    const fmt = open311Format(format);
    return send(reply, fmt, 'service_request_updates', await this.open311.updates(query));
  }
}
