import { readCsv, type CsvRecord } from './csv-reader';

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
