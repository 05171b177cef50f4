import { randomBytes } from 'node:crypto';
import { SecretBox } from './secret-box';

describe('SecretBox (AES-256-GCM, a random nonce per seal, the owner as associated data)', () => {
  const box = new SecretBox(randomBytes(32));
  const secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

  it('opens what it sealed for the same owner, and the sealed form does not contain the secret', () => {
    const sealed = box.seal(secret, 'user-1');
    expect(sealed).not.toContain(secret);
    expect(Buffer.from(sealed.split('.')[2], 'base64url').toString('latin1')).not.toContain(secret);
    expect(box.open(sealed, 'user-1')).toBe(secret);
  });

  it('seals the same secret differently each time (a fresh nonce)', () => {
    const first = box.seal(secret, 'user-1');
    const second = box.seal(secret, 'user-1');
    expect(first).not.toBe(second);
    expect(first.split('.')[1]).not.toBe(second.split('.')[1]);
  });

  it("refuses another owner's value, another key's, and any altered part", () => {
    const sealed = box.seal(secret, 'user-1');
    expect(box.open(sealed, 'user-2')).toBeUndefined();
    expect(new SecretBox(randomBytes(32)).open(sealed, 'user-1')).toBeUndefined();
    const [version, iv, data, tag] = sealed.split('.');
    const flip = (part: string) => {
      const bytes = Buffer.from(part, 'base64url');
      bytes[0] ^= 1;
      return bytes.toString('base64url');
    };
    expect(box.open([version, flip(iv), data, tag].join('.'), 'user-1')).toBeUndefined();
    expect(box.open([version, iv, flip(data), tag].join('.'), 'user-1')).toBeUndefined();
    expect(box.open([version, iv, data, flip(tag)].join('.'), 'user-1')).toBeUndefined();
    expect(box.open(['v2', iv, data, tag].join('.'), 'user-1')).toBeUndefined();
    expect(box.open(`${sealed}.extra`, 'user-1')).toBeUndefined();
    expect(box.open('garbage', 'user-1')).toBeUndefined();
  });

  it('takes only a 32-byte key', () => {
    expect(() => new SecretBox(randomBytes(16))).toThrow('32-byte');
  });
});
