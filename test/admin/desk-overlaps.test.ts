import { describe, expect, it } from 'vitest';
import { markerSize, overlappingDesks } from '../../src/admin/desk-plan-service.js';

describe('overlappingDesks: desks whose squares overlap on the plan', () => {
  it('pairs desks closer than two markers on both axes, not those apart on either', () => {
    const desks = [
      { label: '1.01', posX: 100, posY: 100 },
      { label: '1.02', posX: 115, posY: 110 }, // overlaps 1.01 with marker 8
      { label: '1.03', posX: 116, posY: 100 }, // exactly two markers from 1.01: touching, not overlapping
      { label: '1.04', posX: 300, posY: 100 },
    ];
    expect(overlappingDesks(desks, 8)).toEqual([
      ['1.01', '1.02'],
      ['1.02', '1.03'],
    ]);
    expect(overlappingDesks([], 8)).toEqual([]);
  });

  it('sizes markers by the plan, never below 6', () => {
    expect(markerSize({ planWidth: 760, planHeight: 600 })).toBe(8);
    expect(markerSize({ planWidth: 100, planHeight: 100 })).toBe(6);
  });
});
