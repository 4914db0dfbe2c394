/**
 * Absolute links for people, phones and calendar apps, built from ROOST_PUBLIC_URL
 * (config.publicUrl), never from the request's Host header: a forged Host must not be able to
 * plant its own address in a phone menu, a calendar link or a sign-in redirect.
 */
export interface PublicUrls {
  /** ROOST_PUBLIC_URL without a trailing slash, e.g. `http://roost.corp.lan:3000`. */
  base: string;
  /** `base` + path (+ query), e.g. `urls.to('/phone/services', { device })`. */
  to(path: string, query?: Record<string, string>): string;
  /** The same address with the `webcal:` scheme calendar apps open (for .ics feeds). */
  webcal(path: string): string;
}

export function publicUrls(publicUrl: string): PublicUrls {
  const base = publicUrl.replace(/\/+$/, '');
  const to = (path: string, query?: Record<string, string>) => {
    const qs = query ? new URLSearchParams(query).toString() : '';
    return `${base}${path.startsWith('/') ? path : `/${path}`}${qs ? `?${qs}` : ''}`;
  };
  return {
    base,
    to,
    webcal: (path) => to(path).replace(/^https?:/, 'webcal:'),
  };
}
