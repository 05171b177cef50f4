import { passwordProblems } from './password-policy';

const MIN_LENGTH = 12;

describe('passwordProblems', () => {
  it(`accepts ${MIN_LENGTH} characters`, () => {
    expect(passwordProblems('a'.repeat(MIN_LENGTH), MIN_LENGTH)).toEqual([]);
  });

  it('refuses a shorter password, naming the field', () => {
    expect(passwordProblems('a'.repeat(MIN_LENGTH - 1), MIN_LENGTH, 'newPassword')).toEqual([
      `newPassword must be at least ${MIN_LENGTH} characters`,
    ]);
  });

  it('counts code points, not UTF-16 units', () => {
    // Each emoji is two UTF-16 units: 11 of them are 22 units but only 11 characters.
    expect(passwordProblems('😀'.repeat(MIN_LENGTH - 1), MIN_LENGTH)).toHaveLength(1);
    expect(passwordProblems('😀'.repeat(MIN_LENGTH), MIN_LENGTH)).toEqual([]);
  });

  it.each([
    ['QWERTY123456', 'qwerty123456 in another case'],
    ['password', 'the most common password, also too short'],
  ])('refuses %p (%s) as commonly used', (password) => {
    expect(passwordProblems(password, 8)).toContain('password is one of the most commonly used passwords');
  });

  it('says only "too short" below 8 characters, the least any configuration allows', () => {
    expect(passwordProblems('short', MIN_LENGTH)).toEqual([`password must be at least ${MIN_LENGTH} characters`]);
  });

  it('lists every problem at once', () => {
    expect(passwordProblems('password', MIN_LENGTH)).toEqual([
      `password must be at least ${MIN_LENGTH} characters`,
      'password is one of the most commonly used passwords',
    ]);
  });

  it.each([
    ['73 ASCII bytes', 'a'.repeat(73)],
    ['74 bytes in 37 characters', 'é'.repeat(37)],
    ['a NUL byte', 'correct horse\u0000battery'],
    ['a newline', 'correct horse\nbattery staple'],
    ['a DEL character', 'correct horse\u007fbattery staple'],
  ])('refuses %s for bcrypt alone, whatever else is wrong', (_name, password) => {
    expect(passwordProblems(password, 64)).toEqual([expect.stringMatching(/^password must be at most 72 bytes of UTF-8 with no control/)]);
  });

  it('accepts exactly 72 bytes', () => {
    expect(passwordProblems('é'.repeat(36), MIN_LENGTH)).toEqual([]);
  });
});
