import { api, displayToken, setCsrfToken, setDisplayToken } from "./api";
import type { Me } from "./types";

/** Who this page is for: a display link (its token, read-only), a signed-in user, or nobody
 * yet (the sign-in page). */
export type Session = { kind: "display" } | { kind: "user"; me: Me } | { kind: "signed-out" };

/** Opens the page's session: a display link's token is taken from the address's fragment (and
 * removed from it), a user's from the session cookie, with its CSRF token. Throws when the
 * server cannot be asked; a display link without a token is `signed-out`. */
export async function openSession(): Promise<Session> {
  if (location.pathname === "/display") {
    const token = new URLSearchParams(location.hash.slice(1)).get("token");
    if (token) {
      setDisplayToken(token);
      history.replaceState(null, "", `/display${location.search}`);
    }
    return displayToken() ? { kind: "display" } : { kind: "signed-out" };
  }
  setDisplayToken(null);
  // `/v1/auth/session` answers 200 either way: no failed request on the sign-in page
  const me = (await api<{ me: Me | null }>("GET", "/v1/auth/session")).me;
  if (!me) return { kind: "signed-out" };
  setCsrfToken(me.csrf_token);
  return { kind: "user", me };
}
