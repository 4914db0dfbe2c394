import { describe, expect, it } from 'vitest';
import { mayShowOccupant } from '../../src/booking/occupant-privacy.js';
import { nearestFreeDesk } from '../../src/booking/near-team.js';

const viewer = { id: 1, teamIds: new Set([10]) };
const teammate = { id: 2, teamIds: new Set([10, 11]) };
const stranger = { id: 3, teamIds: new Set([12]) };

describe('names at taken desks', () => {
  it.each([
    ['EVERYONE', true, true],
    ['TEAM', true, false],
    ['NOBODY', false, false],
  ] as const)('%s: teammate %s, stranger %s; always myself', (privacy, ofTeammate, ofStranger) => {
    expect(mayShowOccupant({ privacy, viewer, occupant: teammate })).toBe(ofTeammate);
    expect(mayShowOccupant({ privacy, viewer, occupant: stranger })).toBe(ofStranger);
    expect(mayShowOccupant({ privacy, viewer, occupant: viewer })).toBe(true);
  });

  it('a person in no team sees nobody under TEAM', () => {
    const loner = { id: 4, teamIds: new Set<number>() };
    expect(mayShowOccupant({ privacy: 'TEAM', viewer: loner, occupant: teammate })).toBe(false);
  });
});

describe('book near my team', () => {
  const desk = (id: number, label: string, posX: number, posY: number) => ({ id, label, posX, posY });
  it('picks the free desk closest to a teammate, ties to the lower label', () => {
    const free = [desk(1, '3.10', 900, 100), desk(2, '3.02', 120, 100), desk(3, '3.01', 80, 100)];
    expect(nearestFreeDesk(free, [desk(9, '3.03', 100, 100)])?.label).toBe('3.01');
    expect(nearestFreeDesk(free, [desk(9, '3.11', 880, 100)])?.label).toBe('3.10');
  });
  it('answers nothing without teammates on the floor', () => {
    expect(nearestFreeDesk([desk(1, '3.01', 0, 0)], [])).toBeNull();
  });
});
