import { describe, expect, it } from 'vitest';
import { decide, type Desired, type Observed } from '../../src/scheduler/desired-state.js';

const booked = (userId: string | null): Desired => ({ current: { bookingId: 7, userId }, upcoming: [] });
const nobody: Desired = { current: null, upcoming: [] };
const soon = (userId: string): Desired => ({ current: null, upcoming: [userId] });
const on = (userId: string): Observed['em'] => ({ state: 'loggedIn', userId });
const free: Observed['em'] = { state: 'free' };
const obs = (em: Observed['em'], more: Partial<Observed> = {}): Observed => ({
  em,
  workQueued: false,
  ownLogin: null,
  driftFailedRecently: false,
  ...more,
});

describe('decide(desired, observed)', () => {
  it.each<[string, Desired, Observed, string]>([
    ['booked, owner on the phone', booked('ada'), obs(on('ADA')), 'none'],
    ['booked, phone free', booked('ada'), obs(free), 'login'],
    ['booked, someone else on the phone', booked('ada'), obs(on('bob')), 'login'],
    ['booked, own login DONE but EM lost it', booked('ada'), obs(free, { ownLogin: 'DONE' }), 'login'],
    [
      'booked, own login CONFLICT (revived later)',
      booked('ada'),
      obs(on('bob'), { ownLogin: 'CONFLICT' }),
      'login',
    ],
    [
      'booked, own login FAILED: waits for a person',
      booked('ada'),
      obs(free, { ownLogin: 'FAILED' }),
      'none',
    ],
    ['booked, own login CANCELLED', booked('ada'), obs(free, { ownLogin: 'CANCELLED' }), 'none'],
    ['booked, own login on another (old) phone', booked('ada'), obs(free, { ownLogin: null }), 'login'],
    ['booked, no EM user ID', booked(null), obs(free), 'none'],
    ['booked, work queued', booked('ada'), obs(free, { workQueued: true }), 'none'],
    ['phone unknown to EM', booked('ada'), obs({ state: 'unknown' }), 'none'],
    ['nobody booked, phone free', nobody, obs(free), 'none'],
    ['nobody booked, leftover login', nobody, obs(on('bob')), 'logout'],
    ['finished booking, its person still on', nobody, obs(on('ada'), { ownLogin: 'DONE' }), 'logout'],
    ['early login of a booking about to start', soon('ada'), obs(on('ada')), 'none'],
    ['someone else before a booking about to start', soon('ada'), obs(on('bob')), 'logout'],
    [
      'leftover login whose logout needs a person',
      nobody,
      obs(on('bob'), { driftFailedRecently: true }),
      'none',
    ],
    ['nobody booked, work queued', nobody, obs(on('bob'), { workQueued: true }), 'none'],
  ])('%s -> %s', (_, desired, observed, kind) => {
    expect(decide(desired, observed).kind).toBe(kind);
  });

  it('names the booking and person to log in, and the occupant to log out', () => {
    expect(decide(booked('ada'), obs(on('bob')))).toEqual({ kind: 'login', bookingId: 7, userId: 'ada' });
    expect(decide(nobody, obs(on('bob')))).toEqual({ kind: 'logout', occupant: 'bob' });
  });
});
