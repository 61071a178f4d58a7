import { describe, expect, it } from 'vitest';
import { IR_VERSION, isIrVersionCompatible, parseIrVersion, SUPPORTED_IR_RANGE } from '../dist/index.js';

describe('isIrVersionCompatible', () => {
  it.each([
    ['0.1.0', '^0.1', true],
    ['0.1.7', '^0.1', true],
    ['0.2.0', '^0.1', false],
    ['0.0.9', '^0.1', false],
    ['1.0.0', '^0.1', false],
    ['1.0.0', '^1', true],
    ['1.9.3', '^1', true],
    ['2.0.0', '^1', false],
    ['0.9.0', '^1', false],
    ['1.2.3', '^1.2', true],
    ['1.1.9', '^1.2', false],
    ['1.2.3', '^1.2.4', false],
    ['1.3.0', '^1.2.4', true],
    ['0.1.5', '^0.1.3', true],
    ['0.1.2', '^0.1.3', false],
    ['0.0.3', '^0.0.3', true],
    ['0.0.4', '^0.0.3', false],
    ['0.5.0', '^0', true],
    ['0.1.0', '0.1.0', true],
    ['0.1.1', '0.1.0', false],
    ['0.1.1', '0.1', true],
    ['3.0.0', '*', true],
    ['2.1.0', '^1 || ^2', true],
    ['3.0.0', '^1 || ^2', false],
  ])('%s satisfies %s: %s', (version, range, expected) => {
    expect(isIrVersionCompatible(version, range)).toBe(expected);
  });

  it('is never compatible for malformed versions or ranges', () => {
    expect(isIrVersionCompatible('0.1', '^0.1')).toBe(false);
    expect(isIrVersionCompatible('v0.1.0', '^0.1')).toBe(false);
    expect(isIrVersionCompatible('0.1.0-beta', '^0.1')).toBe(false);
    expect(isIrVersionCompatible('0.1.0', '>=0.1')).toBe(false);
    expect(isIrVersionCompatible('0.1.0', '')).toBe(false);
    expect(isIrVersionCompatible('0.1.0', '^01')).toBe(false);
  });
});

describe('parseIrVersion', () => {
  it('parses MAJOR.MINOR.PATCH', () => {
    expect(parseIrVersion('10.2.0')).toEqual({ major: 10, minor: 2, patch: 0 });
    expect(parseIrVersion('1.02.0')).toBeUndefined();
  });
});

describe('SUPPORTED_IR_RANGE', () => {
  it('is the caret ranges of every 0.x minor up to IR_VERSION', () => {
    expect(IR_VERSION).toBe('0.2.1');
    expect(SUPPORTED_IR_RANGE).toBe('^0.1 || ^0.2');
    expect(isIrVersionCompatible('0.1.0', SUPPORTED_IR_RANGE)).toBe(true);
  });
});
