import { ExecutionContext, Type } from '@nestjs/common';
import { Reflector } from '@nestjs/core';

/**
 * A value worked out once per route (controller class and handler) rather than once per request: a global guard asks
 * on every request, and what it asks about a route, its decorators, cannot change once the class is defined.
 */
export class PerRoute<T> {
  private readonly byClass = new WeakMap<Type, WeakMap<object, { value: T }>>();

  constructor(private readonly compute: (handler: object, type: Type) => T) {}

  get(context: ExecutionContext): T {
    const type = context.getClass();
    const handler = context.getHandler();
    let handlers = this.byClass.get(type);
    if (!handlers) this.byClass.set(type, (handlers = new WeakMap()));
    let entry = handlers.get(handler);
    if (!entry) handlers.set(handler, (entry = { value: this.compute(handler, type) }));
    return entry.value;
  }
}

/**
 * One decorator's value for a route, read as `Reflector.getAllAndOverride` reads it (the method's value wins over the
 * class's), once per route: reflect-metadata walks the prototype chains of both targets on every read.
 */
export class RouteMetadata<T> extends PerRoute<T | undefined> {
  constructor(reflector: Reflector, key: string) {
    super((handler, type) => reflector.getAllAndOverride<T | undefined>(key, [handler as () => void, type]));
  }
}
