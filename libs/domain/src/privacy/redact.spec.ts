import { maskIdNumber, maskPhone, redactPersonalData, summarize } from './redact';

// All identifiers below are synthetic.
const ID18 = '350206199001011234';
const ID18_X = '35020619900101123X';
const ID15 = '350206900101123';
const MOBILE = '13812345678';

describe('redactPersonalData: resident ID numbers', () => {
  it('masks the 8 birth-date digits of an 18-digit ID', () => {
    expect(redactPersonalData(ID18)).toBe('350206********1234');
  });

  it('masks an 18-digit ID ending in X or x', () => {
    expect(redactPersonalData(ID18_X)).toBe('350206********123X');
    expect(redactPersonalData('35020619900101123x')).toBe('350206********123x');
  });

  it('masks the 5 middle digits of a 15-digit ID', () => {
    expect(redactPersonalData(ID15)).toBe('350206*****1123');
  });

  it('masks IDs surrounded by Chinese text and punctuation', () => {
    expect(redactPersonalData(`户主身份证${ID18}，请核实`)).toBe('户主身份证350206********1234，请核实');
    expect(redactPersonalData(`老证号：${ID15}。`)).toBe('老证号：350206*****1123。');
    expect(redactPersonalData(`(${ID18_X})`)).toBe('(350206********123X)');
  });

  it('masks several IDs in one text', () => {
    expect(redactPersonalData(`${ID18} / ${ID15}`)).toBe('350206********1234 / 350206*****1123');
  });

  it('does not mask digit runs longer than an ID (no partial match inside)', () => {
    expect(redactPersonalData('3502061990010112345')).toBe('3502061990010112345'); // 19 digits
  });
});

describe('redactPersonalData: phone numbers', () => {
  it('masks the middle four digits of a mobile number', () => {
    expect(redactPersonalData(MOBILE)).toBe('138****5678');
  });

  it.each([
    ['+86 prefix', '+8613812345678', '+86138****5678'],
    ['+86 and a space', '+86 13812345678', '+86 138****5678'],
    ['86 without plus', '8613812345678', '86138****5678'],
    ['86-', '86-13812345678', '86-138****5678'],
    ['hyphen groups', '138-1234-5678', '138****5678'],
    ['space groups', '138 1234 5678', '138****5678'],
    ['+86 and space groups', '+86 138 1234 5678', '+86 138****5678'],
  ])('masks a mobile with %s', (_label, input, expected) => {
    expect(redactPersonalData(input)).toBe(expected);
  });

  it('masks a mobile inside Chinese text', () => {
    expect(redactPersonalData(`请联系王先生${MOBILE}，谢谢`)).toBe('请联系王先生138****5678，谢谢');
    expect(redactPersonalData(`电话:${MOBILE}号码`)).toBe('电话:138****5678号码');
  });

  it('masks several mobiles separated by commas', () => {
    expect(redactPersonalData('13812345678,13912345678')).toBe('138****5678,139****5678');
  });

  it('leaves 11-digit numbers that are not mobiles (second digit 0–2) and 12-digit runs alone', () => {
    expect(redactPersonalData('12012345678')).toBe('12012345678');
    expect(redactPersonalData('138123456789')).toBe('138123456789');
  });

  it.each([
    ['0592-1234567', '0592-***4567'],
    ['0592 1234567', '0592-***4567'],
    ['059212345678', '0592-****5678'],
    ['010-12345678', '010-****5678'],
    ['0592-12345678', '0592-****5678'],
  ])('masks landline %s', (input, expected) => {
    expect(redactPersonalData(input)).toBe(expected);
  });

  it('masks a landline inside Chinese text', () => {
    expect(redactPersonalData('物业电话0592-1234567（白天）')).toBe('物业电话0592-***4567（白天）');
  });
});

describe('redactPersonalData: what must not be touched', () => {
  it.each([
    ['a year', '2026年11月发现'],
    ['an ISO date', '发生于 2026-11-21 09:30'],
    ['a compact date', '20261121'],
    ['a postcode', '邮编361000'],
    ['a house number', '12号楼3单元502室'],
    ['a district case number', '案件350206-20261121-000042已受理'],
    ['a community case number', '350206001001-20261121-000042'],
    ['a grid code', '网格350206001001-07'],
    ['a community code', '350206001001'],
    ['a 6-digit sequence', '000042'],
    ['a hex trace id', 'trace 4bf92f3577b34da6a3ce929d0e0e4736'],
    ['a short hotline', '拨打12345或95588'],
    ['an amount', '罚款2000元'],
    ['coordinates of ordinary precision', '118.089412, 24.479833'],
    ['empty text', ''],
  ])('leaves %s alone', (_label, text) => {
    expect(redactPersonalData(text)).toBe(text);
  });

  it('redacts the phone but keeps the case number in the same sentence', () => {
    expect(redactPersonalData('案件350206-20261121-000042 联系13812345678')).toBe('案件350206-20261121-000042 联系138****5678');
  });
});

describe('maskIdNumber', () => {
  it('keeps the first 6 and last 4 characters of an 18-character ID', () => {
    expect(maskIdNumber(ID18)).toBe('350206********1234');
    expect(maskIdNumber(ID18_X)).toBe('350206********123X');
  });

  it('keeps the first 6 and last 4 characters of a 15-digit ID', () => {
    expect(maskIdNumber(ID15)).toBe('350206*****1123');
  });

  it('masks short input entirely, keeping its length', () => {
    expect(maskIdNumber('123456789')).toBe('*********');
    expect(maskIdNumber('12')).toBe('**');
    expect(maskIdNumber('')).toBe('');
  });

  it('keeps the length of the input', () => {
    for (const id of [ID18, ID15, '12345678901', '123']) expect(maskIdNumber(id)).toHaveLength(id.length);
  });

  // Finding: at exactly 10 characters, 6 + 4 characters are kept and 0 are masked, so the
  // input comes back in clear. A masking function must never return its input unchanged.
  it('never returns a 10-character input in clear', () => {
    expect(maskIdNumber('3502061990')).not.toBe('3502061990');
    expect(maskIdNumber('3502061990')).toContain('*');
  });
});

describe('maskPhone', () => {
  it('keeps the first 3 and last 4 digits of a mobile', () => {
    expect(maskPhone(MOBILE)).toBe('138****5678');
  });

  it('ignores separators and keeps digits only', () => {
    expect(maskPhone('138-1234-5678')).toBe('138****5678');
    expect(maskPhone('138 1234 5678')).toBe('138****5678');
    expect(maskPhone('0592-1234567')).toBe('059****4567');
  });

  it('counts the country code among the digits', () => {
    expect(maskPhone('+86 138 1234 5678')).toBe('861******5678');
  });

  it('masks fewer than 7 digits entirely', () => {
    expect(maskPhone('123456')).toBe('******');
    expect(maskPhone('12-34')).toBe('****');
    expect(maskPhone('')).toBe('');
  });

  // Finding: a 7-digit local number (e.g. 1234567 without area code) keeps 3 + 4 digits and
  // masks none, so it comes back in clear.
  it('never returns a 7-digit number in clear', () => {
    expect(maskPhone('1234567')).not.toBe('1234567');
    expect(maskPhone('1234567')).toContain('*');
  });
});

describe('summarize', () => {
  it('returns short text unchanged', () => {
    expect(summarize('路灯不亮')).toBe('路灯不亮');
  });

  it('collapses runs of whitespace (spaces, tabs, newlines) and trims', () => {
    expect(summarize('  井盖\n\n缺失\t\t 请尽快   处理  ')).toBe('井盖 缺失 请尽快 处理');
  });

  it('applies redaction', () => {
    expect(summarize(`居民${MOBILE}反映，身份证${ID18}`)).toBe('居民138****5678反映，身份证350206********1234');
  });

  it('keeps text of exactly maxLength characters whole', () => {
    const text = 'a'.repeat(140);
    expect(summarize(text)).toBe(text);
    expect(summarize('abcde', 5)).toBe('abcde');
  });

  it('cuts longer text to maxLength characters, ending with an ellipsis', () => {
    const out = summarize('a'.repeat(141));
    expect(out).toHaveLength(140);
    expect(out).toBe(`${'a'.repeat(139)}…`);
    expect(summarize('abcdef', 5)).toBe('abcd…');
  });

  it('measures the length after collapsing whitespace', () => {
    expect(summarize('ab   \n\n   cd', 5)).toBe('ab cd');
  });

  it('never cuts a redacted number back into clear digits', () => {
    const out = summarize(`${'x'.repeat(5)} ${MOBILE}`, 12);
    expect(out).toBe('xxxxx 138**…');
    expect(out).not.toContain('1234');
  });

  it('fits the case event summary limit by default', () => {
    expect(summarize('很长的描述'.repeat(200)).length).toBeLessThanOrEqual(200);
  });

  // Finding: redaction runs before whitespace is collapsed. A mobile typed across lines or with
  // double spaces escapes the MOBILE pattern (it allows one "-" or " " between groups), and the
  // collapse then joins it into a readable "138 1234 5678" in the summary.
  it.each([
    ['newlines', '联系人电话 138\n1234\n5678'],
    ['double spaces', '联系人电话 138  1234  5678'],
    ['tabs', '联系人电话 138\t1234\t5678'],
  ])('does not leak a mobile split by %s', (_label, text) => {
    const out = summarize(text);
    expect(out).not.toContain('1234');
    expect(out).toBe('联系人电话 138****5678');
  });
});

describe('redactPersonalData: formats found in handheld text, and numbers that must stay', () => {
  it.each([
    ['an ID right after Latin letters', 'ID350206199001011237', 'ID350206********1237'],
    ['an ID written in groups', '身份证 350206 19900101 1237', '身份证 350206********1237'],
    ['a landline in parentheses', '电话(0592)1234567', '电话0592-***4567'],
    ['a landline in three groups', '0592-123-4567', '0592-***4567'],
  ])('masks %s', (_label, input, expected) => {
    expect(redactPersonalData(input)).toBe(expected);
  });

  it.each([
    ['a longitude with many decimals', '118.08941234567'],
    ['a decimal that looks like a mobile', '0.13812345678'],
    ['a UUID whose last group is digits', '1b4e28ba-2fa1-11d2-883f-000000000042'],
    ['a case number', '350206-20261121-000042'],
  ])('leaves %s alone', (_label, input) => {
    expect(redactPersonalData(input)).toBe(input);
  });
});
