/**
 * The demo company, described once. The seed writes it into Roost's database and the
 * emulator's demo fixture is derived from it, so every demo phone and every demo
 * user's EM user ID exists on both sides.
 */
export const DEMO_PASSWORD = 'roost-demo';

export interface DemoDesk {
  label: string;
  features: string[];
  posX: number;
  posY: number;
  deviceName: string;
  phoneModel: string;
}
export interface DemoFloor {
  name: string;
  level: number;
  desks: DemoDesk[];
}
export interface DemoSite {
  name: string;
  timeZone: string;
  address: string;
  floors: DemoFloor[];
}
export interface DemoUser {
  email: string;
  displayName: string;
  role: 'EMPLOYEE' | 'FACILITIES' | 'ADMIN';
  emUserId: string;
  deviceProfile: string;
  homeSite: string;
  /** The demo's teams (issue 15: where my team sits); staff belong to none. */
  team?: string;
}

export const DEMO_TEAMS = ['Platform', 'Payments', 'Research'] as const;

const FIRST = [
  'Ada',
  'Grace',
  'Alan',
  'Edsger',
  'Barbara',
  'Donald',
  'Frances',
  'Ken',
  'Margaret',
  'Dennis',
  'Radia',
  'Tim',
  'Shafi',
  'Leslie',
  'Hedy',
  'John',
  'Katherine',
  'Niklaus',
  'Sophie',
  'Bjarne',
  'Karen',
  'Guido',
  'Anita',
  'Linus',
  'Jean',
  'Vint',
  'Mary',
  'Whitfield',
  'Evelyn',
  'Robin',
  'Adele',
  'Butler',
  'Carol',
  'Seymour',
  'Lynn',
  'Fernando',
  'Siobhán',
  'Yukihiro',
  'Ruth',
  'Ole',
];
const LAST = [
  'Lovelace',
  'Hopper',
  'Turing',
  'Dijkstra',
  'Liskov',
  'Knuth',
  'Allen',
  'Thompson',
  'Hamilton',
  'Ritchie',
  'Perlman',
  'Berners-Lee',
  'Goldwasser',
  'Lamport',
  'Lamarr',
  'Backus',
  'Johnson',
  'Wirth',
  'Wilson',
  'Stroustrup',
  'Spärck Jones',
  'van Rossum',
  'Borg',
  'Torvalds',
  'Sammet',
  'Cerf',
  'Keller',
  'Diffie',
  'Berezin',
  'Milner',
  'Goldberg',
  'Lampson',
  'Shaw',
  'Cray',
  'Conway',
  'Corbató',
  "O'Brien",
  'Matsumoto',
  'Teitelbaum',
  'Dahl',
];

const FEATURE_CYCLE: string[][] = [
  ['dual-monitor'],
  [],
  ['standing'],
  ['dual-monitor', 'standing'],
  [],
  ['accessible'],
  ['dual-monitor'],
  [],
];

function floor(siteCode: number, level: number, name: string, rows: number, cols: number): DemoFloor {
  const desks: DemoDesk[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const n = r * cols + c + 1;
      const mac = `${siteCode.toString(16).padStart(2, '0')}${level.toString(16).padStart(2, '0')}00${n.toString(16).padStart(6, '0')}`;
      desks.push({
        label: `${level}.${String(n).padStart(2, '0')}`,
        features: FEATURE_CYCLE[n % FEATURE_CYCLE.length]!,
        // Desk pairs face each other across an aisle every two rows.
        posX: 60 + c * 75 + Math.floor(c / 2) * 20,
        posY: 70 + r * 70 + Math.floor(r / 2) * 40,
        deviceName: `SEP${mac.toUpperCase()}`,
        phoneModel: n % 3 === 0 ? 'Cisco 7841' : 'Cisco 8865',
      });
    }
  }
  return { name, level, desks };
}

export const demoSites: DemoSite[] = [
  {
    name: 'Berlin',
    timeZone: 'Europe/Berlin',
    address: 'Friedrichstraße 68, 10117 Berlin, Germany',
    floors: [floor(1, 1, 'Floor 1', 6, 8), floor(1, 2, 'Floor 2', 6, 8), floor(1, 3, 'Floor 3', 6, 8)],
  },
  {
    name: 'New York',
    timeZone: 'America/New_York',
    address: '350 Hudson Street, New York, NY 10014, USA',
    floors: [floor(2, 10, 'Floor 10', 6, 8), floor(2, 11, 'Floor 11', 4, 8)],
  },
];

function emId(first: string, last: string): string {
  return `${first}.${last}`
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z.]/g, '')
    .toLowerCase();
}

export const demoUsers: DemoUser[] = [
  {
    email: 'ada@roost.example',
    displayName: 'Ada Lovelace',
    role: 'EMPLOYEE',
    emUserId: 'ada.lovelace',
    deviceProfile: 'UDP_ada.lovelace',
    homeSite: 'Berlin',
    team: 'Platform',
  },
  {
    email: 'facilities@roost.example',
    displayName: 'Frances Facilities',
    role: 'FACILITIES',
    emUserId: 'facilities',
    deviceProfile: 'UDP_facilities',
    homeSite: 'Berlin',
  },
  {
    email: 'admin@roost.example',
    displayName: 'Alex Admin',
    role: 'ADMIN',
    emUserId: 'admin',
    deviceProfile: 'UDP_admin',
    homeSite: 'New York',
  },
  ...FIRST.slice(1).map((first, i): DemoUser => {
    const last = LAST[i + 1]!;
    const id = emId(first, last);
    return {
      email: `${id}@roost.example`,
      displayName: `${first} ${last}`,
      role: 'EMPLOYEE',
      emUserId: id,
      deviceProfile: `UDP_${id}`,
      homeSite: i % 3 === 2 ? 'New York' : 'Berlin',
      // Five or so people a team, so each team has someone in on most days.
      team: DEMO_TEAMS[Math.floor(i / 5) % DEMO_TEAMS.length]!,
    };
  }),
];

/** Deterministic pseudo-random numbers, so the demo looks the same on every machine. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
