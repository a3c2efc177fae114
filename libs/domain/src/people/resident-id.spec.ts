import { idCheckCharacter, idNumberFacts, idNumberProblem, isPlausiblePhone, isValidIdNumber, normalizeIdNumber, normalizePhone } from './resident-id';

describe('resident ID numbers (GB 11643)', () => {
  // Synthetic: area code 350299 is not assigned, so no such number belongs to anybody.
  const valid = '350299199001011232';
  const withX = (() => {
    for (let seq = 100; seq < 999; seq++) {
      const first = `350299198512${'31'}${seq}`;
      if (idCheckCharacter(first) === 'X') return `${first}X`;
    }
    throw new Error('no X found');
  })();

  it('computes the ISO 7064 MOD 11-2 check character', () => {
    // Worked example from the standard's appendix style: weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2.
    expect(idCheckCharacter('11010519491231002')).toBe('X');
    expect(idCheckCharacter('44052418800101001')).toBe('4');
    expect(idCheckCharacter('35029919900101123')).toBe('2');
  });

  it('accepts valid numbers, including a trailing x in either case', () => {
    expect(isValidIdNumber(valid)).toBe(true);
    expect(isValidIdNumber(withX)).toBe(true);
    expect(isValidIdNumber(withX.toLowerCase())).toBe(true);
    expect(normalizeIdNumber(` ${withX.toLowerCase()} `)).toBe(withX);
  });

  it.each([
    ['12345', 'format'],
    ['35029919900101123Y', 'format'],
    ['350299199013011230', 'birth-date'],
    ['350299199002301230', 'birth-date'],
    ['350299189912311230', 'birth-date'],
    ['350299299001011230', 'birth-date'],
  ] as const)('%s → %s', (id, problem) => {
    expect(idNumberProblem(id)).toBe(problem);
  });

  it('rejects a wrong check character', () => {
    const wrong = `${valid.slice(0, 17)}${valid[17] === '0' ? '1' : '0'}`;
    expect(idNumberProblem(wrong)).toBe('checksum');
  });

  it('reads birth date and sex', () => {
    expect(idNumberFacts(valid)).toEqual({ birthDate: '1990-01-01', sex: 'male' });
    expect(idNumberFacts('35029919900101124X'.slice(0, 17) + idCheckCharacter('35029919900101124'))).toEqual({ birthDate: '1990-01-01', sex: 'female' });
  });

  it('normalises and checks phone numbers', () => {
    expect(normalizePhone('+86 140-0012-3456')).toBe('14000123456');
    expect(isPlausiblePhone('14000123456')).toBe(true);
    expect(isPlausiblePhone('0592-5551234')).toBe(true);
    expect(isPlausiblePhone('12345')).toBe(false);
    expect(isPlausiblePhone('12000123456')).toBe(false);
  });
});
