// A TCP forwarder in front of a real server, so a test can cut one process off from it (a
// network partition) while other processes still reach the server directly.
export interface TcpProxy {
  url(scheme: string, path?: string): string;
  port: number;
  /** Drops every forwarded connection and refuses new ones (the port is closed) until
   * `restore()` listens on it again. */
  cut(): void;
  restore(): void;
  close(): void;
}

export function tcpProxy(target: { hostname: string; port: number }): TcpProxy {
  let listener: Deno.Listener | null = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const open = new Set<Deno.Conn>();
  const drop = (conn: Deno.Conn) => {
    open.delete(conn);
    try {
      conn.close();
    } catch { /* already closed */ }
  };
  async function pipe(from: Deno.Conn, to: Deno.Conn) {
    try {
      await from.readable.pipeTo(to.writable, { preventClose: true });
    } catch { /* either side went away */ }
    drop(from);
    drop(to);
  }
  async function accept(on: Deno.Listener) {
    try {
      for await (const conn of on) {
        try {
          const upstream = await Deno.connect(target);
          open.add(conn).add(upstream);
          pipe(conn, upstream);
          pipe(upstream, conn);
        } catch {
          drop(conn);
        }
      }
    } catch { /* listener closed */ }
  }
  accept(listener);
  const cut = () => {
    listener?.close();
    listener = null;
    for (const conn of [...open]) drop(conn);
  };
  return {
    port,
    url: (scheme, path = "") => `${scheme}://127.0.0.1:${port}${path}`,
    cut,
    restore() {
      if (listener) return;
      listener = Deno.listen({ hostname: "127.0.0.1", port });
      accept(listener);
    },
    close: cut,
  };
}
