import { USERNAME_PATTERN } from '../common/validation/identifiers';
import { baseUsername, withSuffix } from './username';

describe('baseUsername', () => {
  it.each([
    [{ preferred_username: 'ada.lovelace' }, 'ada.lovelace'],
    [{ preferred_username: 'ada@contoso.com' }, 'ada'],
    [{ preferred_username: 'Zoë Müller' }, 'Zoe_Muller'],
    [{ preferred_username: 'ｆｕｌｌｗｉｄｔｈ' }, 'fullwidth'],
    [{ email: 'grace.hopper+x@navy.mil' }, 'grace.hopper_x'],
    [{ name: 'Ken Thompson' }, 'Ken_Thompson'],
    [{ preferred_username: '李小龍', email: 'bruce@example.com' }, 'bruce'],
    [{ preferred_username: '__', name: '李小龍' }, 'user'],
    [{}, 'user'],
    [{ preferred_username: 'a'.repeat(40) }, 'a'.repeat(27)],
  ])('%j → %s', (claims, expected) => {
    expect(baseUsername(claims)).toBe(expected);
    expect(baseUsername(claims)).toMatch(USERNAME_PATTERN);
  });

  it('keeps a suffixed name within the allowed length', () => {
    expect(withSuffix('a'.repeat(27), () => 'beef')).toBe(`${'a'.repeat(27)}-beef`);
    expect(withSuffix('a'.repeat(27), () => 'beef')).toMatch(USERNAME_PATTERN);
  });
});
