/**
 * NATS connection options from server URLs. A URL may carry the user and password of the tier's
 * services (`nats://services:secret@host:4222`, the form deploy/local federation.js and the k8s
 * Secrets give): nats.js does not read them from the URL, so they are taken out here and passed as
 * `user`/`pass`. All URLs must then name the same user.
 */
export function natsConnectionOptions(urls: readonly string[]): { servers: string[]; user?: string; pass?: string } {
  let user: string | undefined;
  let pass: string | undefined;
  const servers = urls.map((raw) => {
    const u = new URL(raw);
    if (u.username) {
      const [name, password] = [decodeURIComponent(u.username), decodeURIComponent(u.password)];
      if (user !== undefined && (user !== name || pass !== password)) throw new Error('NATS_URL: every server URL must name the same user');
      user = name;
      pass = password;
      u.username = '';
      u.password = '';
    }
    return u.toString().replace(/\/$/, '');
  });
  return { servers, ...(user !== undefined && { user, pass: pass ?? '' }) };
}
