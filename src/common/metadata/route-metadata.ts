import { ExecutionContext, Type } from '@nestjs/common';
import { Reflector } from '@nestjs/core';

/**
 * One decorator's value for a route, read as `Reflector.getAllAndOverride` reads it (the method's value wins over the
 * class's), but once per route rather than once per request: a global guard asks on every request, and
 * reflect-metadata walks the prototype chains of both targets each time. Decorators run when a class is defined, so
 * the value cannot change afterwards.
 */
export class RouteMetadata<T> {
  private readonly byClass = new WeakMap<Type, WeakMap<object, { value: T | undefined }>>();

  constructor(
    private readonly reflector: Reflector,
    private readonly key: string,
  ) {}

  get(context: ExecutionContext): T | undefined {
    const type = context.getClass();
    const handler = context.getHandler();
    let handlers = this.byClass.get(type);
    if (!handlers) this.byClass.set(type, (handlers = new WeakMap()));
    let entry = handlers.get(handler);
    if (!entry) handlers.set(handler, (entry = { value: this.reflector.getAllAndOverride<T | undefined>(this.key, [handler, type]) }));
    return entry.value;
  }
}
