/** The rows of one page of a listing: how many to skip and to take. */
export interface PageWindow {
  skip: number;
  take: number;
}

/**
 * One page of a listing of `size` rows a page: the page asked for (held to 1 … 100 000), its
 * rows, the `total` count and how many pages that fills (at least one, empty as it may be).
 */
export async function onePage<Row>(
  requested: number | undefined,
  size: number,
  total: PromiseLike<number>,
  find: (window: PageWindow) => PromiseLike<Row[]>,
): Promise<{ page: number; total: number; pages: number; rows: Row[] }> {
  const page = Math.max(1, Math.min(requested ?? 1, 100_000));
  const [count, rows] = await Promise.all([total, find({ skip: (page - 1) * size, take: size })]);
  return { page, total: count, pages: Math.max(1, Math.ceil(count / size)), rows };
}
