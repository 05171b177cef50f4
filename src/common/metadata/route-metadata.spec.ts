import { ExecutionContext, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { RouteMetadata } from './route-metadata';

const Level = (level: string) => SetMetadata('level', level);

@Level('class')
class BaseController {
  inherited(): void {}

  @Level('method')
  own(): void {}
}

@Level('subclass')
class SubController extends BaseController {}

class PlainController {
  bare(): void {}
}

function contextFor(type: new () => object, handler: string): ExecutionContext {
  return {
    getClass: () => type,
    getHandler: () => (type.prototype as Record<string, () => void>)[handler],
  } as unknown as ExecutionContext;
}

describe('RouteMetadata', () => {
  const levels = new RouteMetadata<string>(new Reflector(), 'level');

  it("reads like getAllAndOverride: the method's value wins over the class's", () => {
    expect(levels.get(contextFor(BaseController, 'own'))).toBe('method');
    expect(levels.get(contextFor(BaseController, 'inherited'))).toBe('class');
  });

  it('gives the same answer on every later request', () => {
    const context = contextFor(BaseController, 'inherited');
    expect([levels.get(context), levels.get(context), levels.get(context)]).toEqual(['class', 'class', 'class']);
  });

  it('keeps apart a handler shared by two classes through inheritance', () => {
    expect(levels.get(contextFor(BaseController, 'inherited'))).toBe('class');
    expect(levels.get(contextFor(SubController, 'inherited'))).toBe('subclass');
    expect(levels.get(contextFor(SubController, 'own'))).toBe('method');
  });

  it('is undefined for a route without the decorator, every time', () => {
    expect(levels.get(contextFor(PlainController, 'bare'))).toBeUndefined();
    expect(levels.get(contextFor(PlainController, 'bare'))).toBeUndefined();
  });
});
