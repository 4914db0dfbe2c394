import { describe, expect, it } from 'vitest';
import { moveTargets } from '../../src/admin/floor-day-service.js';

const at = (hh: string) => new Date(`2026-12-02T${hh}:00Z`);
const desks = [
  { id: 1, label: '3.01', bookable: true },
  { id: 2, label: '3.02', bookable: true },
  { id: 3, label: '3.03', bookable: false },
  { id: 4, label: '3.04', bookable: true },
  { id: 5, label: '3.05', bookable: true },
];

describe('moveTargets: where staff may move a booking, free desks first', () => {
  const booking = { id: 10, deskId: 1, startsAt: at('08:00'), endsAt: at('12:00') };
  const others = [
    booking,
    { id: 11, deskId: 2, startsAt: at('11:00'), endsAt: at('13:00') }, // overlaps: taken
    { id: 12, deskId: 4, startsAt: at('12:00'), endsAt: at('16:00') }, // back-to-back: free
  ];

  it('lists free desks, then the taken ones marked, never its own desk or one out of use', () => {
    expect(moveTargets(desks, others, booking)).toEqual([
      { deskId: 4, label: '3.04', free: true },
      { deskId: 5, label: '3.05', free: true },
      { deskId: 2, label: '3.02', free: false },
    ]);
  });
});
