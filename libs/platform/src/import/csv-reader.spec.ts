import { CsvChunker, CsvSyntaxError, parseCsvPiece, readCsv, recordEnd, type CsvRecord } from './csv-reader';

async function all(chunks: string[]): Promise<CsvRecord[]> {
  const out: CsvRecord[] = [];
  for await (const r of readCsv((async function* () {
    for (const c of chunks) yield Buffer.from(c);
  })())) out.push(r);
  return out;
}

describe('readCsv', () => {
  it('reads plain records with their line numbers', async () => {
    expect(await all(['a,b,c\n1,2,3\n4,5,6\n'])).toEqual([
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 2, fields: ['1', '2', '3'] },
      { line: 3, fields: ['4', '5', '6'] },
    ]);
  });

  it('handles quotes, doubled quotes, commas and line breaks inside fields, CRLF and a BOM', async () => {
    const text = '\ufeffname,address\r\n"王, 小明","1号楼 ""东""门"\r\n"多行\n地址",x\r\nlast,row';
    expect(await all([text])).toEqual([
      { line: 1, fields: ['name', 'address'] },
      { line: 2, fields: ['王, 小明', '1号楼 "东"门'] },
      { line: 3, fields: ['多行\n地址', 'x'] },
      { line: 5, fields: ['last', 'row'] },
    ]);
  });

  it('gives the same records whatever the chunking, even splitting a multi-byte character or a quoted field', async () => {
    const text = 'a,b\n"x\n""y""",中文\nq,"r,s"\n';
    const whole = await all([text]);
    const bytes = Buffer.from(text);
    for (let cut = 1; cut < bytes.length; cut++) {
      const records: CsvRecord[] = [];
      for await (const r of readCsv((async function* () {
        yield bytes.subarray(0, cut);
        yield bytes.subarray(cut);
      })())) records.push(r);
      expect(records).toEqual(whole);
    }
  });

  it('skips empty lines but counts them', async () => {
    expect(await all(['a\n\nb\n'])).toEqual([
      { line: 1, fields: ['a'] },
      { line: 3, fields: ['b'] },
    ]);
  });

  it('reports an unterminated quoted field with its line', async () => {
    await expect(all(['a,b\n"open,field\n'])).rejects.toThrow('line 2: unterminated quoted field');
  });
});

/** What the worker threads get: pieces cut by CsvChunker, each parsed apart from its start line. */
function inPieces(bytes: Buffer, target: number, chunk: number): CsvRecord[] {
  const chunker = new CsvChunker(0, target);
  const pieces = [];
  for (let at = 0; at < bytes.length; at += chunk) pieces.push(...chunker.push(bytes.subarray(at, at + chunk)));
  const last = chunker.end();
  if (last) pieces.push(last);
  const out: CsvRecord[] = [];
  for (const p of pieces) parseCsvPiece(p.bytes.toString('utf8'), p.line, (r) => out.push(r));
  return out;
}

describe('CsvChunker (pieces for worker threads)', () => {
  const text = 'a,b,c\r\n"多行\n地址",x,"say ""hi""\n again"\n\nplain,row,3\nab"c,"q\nr",s\n"",,\nlast,"one",without-break';

  it('cuts only on record boundaries: every piece parsed apart gives readCsv\'s records and line numbers', async () => {
    const whole = await all([text]);
    expect(whole.map((r) => r.line)).toEqual([1, 2, 6, 7, 9, 10]);
    const bytes = Buffer.from(text);
    for (const target of [1, 7, 16, 40, 1000]) {
      for (const chunk of [1, 3, 11, bytes.length]) expect(inPieces(bytes, target, chunk)).toEqual(whole);
    }
  });

  it('finds the first and the last record end with the parser\'s quote rules', () => {
    const b = Buffer.from('x,"1\n2"\ny,ab"c\nz');
    expect(recordEnd(b, 'first')).toBe(b.indexOf('\ny') + 1);
    expect(recordEnd(b, 'last')).toBe(b.lastIndexOf('\n') + 1);
    expect(recordEnd(Buffer.from('"open\nfield'), 'last')).toBe(0);
    expect(recordEnd(Buffer.from('no break'), 'first')).toBe(0);
  });

  it('leaves an unterminated quote to the last piece, whose parse names its line', () => {
    const chunker = new CsvChunker(3, 4);
    expect(chunker.push(Buffer.from('a,b\nc,"open\nstill open\n'))).toEqual([{ bytes: Buffer.from('a,b\n'), line: 3 }]);
    const last = chunker.end()!;
    expect(last.line).toBe(4);
    const parse = () => parseCsvPiece(last.bytes.toString('utf8'), last.line, () => undefined);
    expect(parse).toThrow(CsvSyntaxError);
    expect(parse).toThrow('line 5: unterminated quoted field');
  });
});
