import { badRequests, sample, UNSPOILED, type OpenApiDocument } from './bad-input-corpus';

const DOC: OpenApiDocument = {
  paths: {
    '/things/{id}': {
      post: {
        parameters: [
          { name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } },
          { name: 'state', in: 'query', schema: { type: 'string', enum: ['open', 'closed'] } },
        ],
        requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } } },
      },
    },
  },
  components: {
    schemas: {
      Thing: {
        type: 'object',
        required: ['title'],
        properties: { title: { type: 'string', minLength: 3 }, tags: { type: 'array', items: { type: 'string' } }, place: { type: 'object', properties: { lat: { type: 'number', minimum: -90, maximum: 90 } } } },
      },
    },
  },
};

describe('the bad-input corpus of an OpenAPI document', () => {
  const corpus = badRequests(DOC);
  const whats = corpus.map((r) => r.what);

  it('starts each operation with the unspoiled sample built from its schemas', () => {
    expect(corpus[0]).toMatchObject({ what: UNSPOILED, method: 'POST', url: '/things/00000000-0000-4000-8000-000000000000' });
    expect(JSON.parse(corpus[0]!.body!)).toEqual({ title: 'xxx', tags: ['x'], place: { lat: 1 } });
  });

  it('spoils every body field, nested ones and array items included, naming each', () => {
    const fields = new Set(corpus.filter((r) => r.what.startsWith('body:')).map((r) => r.field));
    expect([...fields]).toEqual(expect.arrayContaining(['title', 'tags', 'tags.0', 'place', 'place.lat', 'place.unexpectedField', 'unexpectedField']));
    const nul = corpus.find((r) => r.what === 'body: NUL in title')!;
    expect(JSON.parse(nul.body!)).toMatchObject({ title: 'a\u0000b', place: { lat: 1 } });
    const surrogate = corpus.find((r) => r.what === 'body: a lone surrogate in title')!;
    expect(surrogate.body).toContain('\\ud800');
    expect((JSON.parse(corpus.find((r) => r.what === 'body: 20000 items in tags')!.body!) as { tags: unknown[] }).tags).toHaveLength(20000);
  });

  it('sends deep, malformed and mistyped bodies, and the wrong content types', () => {
    expect(whats).toEqual(expect.arrayContaining(['body: malformed JSON', 'body: nested 5000 deep', 'body: an array', 'content type: text/plain', 'content type: none']));
    expect(corpus.find((r) => r.what === 'body: nested 5000 deep')!.body).toHaveLength(10000);
  });

  it('puts junk in each path and query parameter, a lone surrogate as invalid UTF-8', () => {
    const inId = corpus.filter((r) => r.what.startsWith('path:') && r.field === 'id');
    expect(inId.find((r) => r.what === 'path: a lone surrogate in id')!.url).toBe('/things/%ED%A0%80');
    expect(inId.find((r) => r.what === 'path: NUL in id')!.url).toBe('/things/a%00b');
    const twice = corpus.find((r) => r.what === 'query: given twice in state')!;
    expect(twice.url).toBe('/things/00000000-0000-4000-8000-000000000000?state=1&state=2');
  });

  it('samples enums, formats and bounds', () => {
    expect(sample(DOC, { type: 'string', enum: ['b', 'a'] })).toBe('b');
    expect(sample(DOC, { type: 'integer', minimum: 5, maximum: 9 })).toBe(5);
    expect(sample(DOC, { type: 'string', format: 'date-time' })).toBe('2026-01-01T00:00:00Z');
  });
});
