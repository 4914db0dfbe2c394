/**
 * "Book near my team": of the desks a person could book, the one closest on the floor plan to
 * a desk a teammate holds that day. Plan coordinates are the floor's own units; the nearest
 * teammate counts, so joining a cluster of three beats sitting between two far apart. Ties go
 * to the lower label, so the same floor gives the same answer every time.
 */
export interface PlacedDesk {
  id: number;
  label: string;
  posX: number;
  posY: number;
}

export function nearestFreeDesk<D extends PlacedDesk>(free: D[], teamDesks: PlacedDesk[]): D | null {
  if (teamDesks.length === 0) return null;
  let best: { desk: D; distance: number } | null = null;
  for (const desk of free) {
    const distance = Math.min(...teamDesks.map((t) => Math.hypot(t.posX - desk.posX, t.posY - desk.posY)));
    if (
      !best ||
      distance < best.distance ||
      (distance === best.distance && desk.label.localeCompare(best.desk.label, 'en', { numeric: true }) < 0)
    )
      best = { desk, distance };
  }
  return best?.desk ?? null;
}
