// The modules nest-for-cjs.transformer.js hands to CommonJS packages (see there): the same instances the specs import.
import * as common from '@nestjs/common';
import * as core from '@nestjs/core';

(globalThis as { __nestForCjs?: Record<string, unknown> }).__nestForCjs = { '@nestjs/common': common, '@nestjs/core': core };
